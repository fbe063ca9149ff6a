#!/usr/bin/env python3
"""Apply to lakets 0.1's sources (argv[1]) the PostgreSQL 18 fix of commit
e62c442, which 0.1 predates: PG 18's analyser adds a range table entry for
the grouping step, and 0.1's RollUp query analysis then refuses every
query ("p_query must read exactly one table"). The fix undoes that entry
(compat.h) right after the analysis (rollup_query.c), nothing else. The
upgrade test applies it on PostgreSQL 18 only, so that 0.1's RollUps exist
to be updated there; 15 and 17 build 0.1 as released."""
import sys

src = sys.argv[1]

SHIM = r'''
/* PostgreSQL 18's grouping RTE undone (commit e62c442, for the upgrade test) */
#if PG_VERSION_NUM >= 180000
#include "optimizer/optimizer.h"

static inline void
lakets_query_without_group_rte(Query *q)
{
	RangeTblEntry *last;

	if (!q->hasGroupRTE)
		return;
	last = llast_node(RangeTblEntry, q->rtable);
	if (last->rtekind != RTE_GROUP)
		elog(ERROR, "the grouping step is not the last range table entry");
	q->targetList = (List *) flatten_group_exprs(NULL, q, (Node *) q->targetList);
	q->havingQual = flatten_group_exprs(NULL, q, q->havingQual);
	q->rtable = list_delete_last(q->rtable);
	q->hasGroupRTE = false;
}
#else
#define lakets_query_without_group_rte(q) ((void) (q))
#endif

'''


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    if text.count(old) != 1:
        sys.exit(f"pg18-0.1.py: {path}: the text to replace is not there once")
    with open(path, "w") as f:
        f.write(text.replace(old, new))


edit(f"{src}/extension/compat.h", "#endif\t\t\t\t\t\t\t/* LAKETS_COMPAT_H */",
     SHIM + "#endif\t\t\t\t\t\t\t/* LAKETS_COMPAT_H */")
edit(f"{src}/extension/rollup_query.c", '#include "rollup_query.h"\n',
     '#include "compat.h"\n#include "rollup_query.h"\n')
edit(f"{src}/extension/rollup_query.c",
     """	List	   *raw = pg_parse_query(sql);

	if (list_length(raw) != 1)
		refuse("must be exactly one statement", NULL);
	return parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql,
									 param_types, nparams, NULL);
""",
     """	List	   *raw = pg_parse_query(sql);
	Query	   *q;

	if (list_length(raw) != 1)
		refuse("must be exactly one statement", NULL);
	q = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql,
								  param_types, nparams, NULL);
	lakets_query_without_group_rte(q);
	return q;
""")
