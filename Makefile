# lakets: the extension (PGXS) and, through helper/Makefile, lakets-helper.
#
#   make demo    install what is missing, build, run the demo on a throwaway cluster
#   make test    the same set-up, then every test suite
#   make matrix  make test against PostgreSQL 15, 17 and 18 (PG=17 make test: one)
#   make deb     Debian packages (postgresql-NN-lakets, lakets-helper) into .tmp/deb/
#   make deb-check  build them, install them into a clean chroot and use them
#   make bench   the benchmarks (test/bench/)
#   make test-citus  lakets on a Citus cluster (Citus built from ../shared/vendor)
#   make toolkit the LakeTS toolkit's test suite against lakets (LAKETS_TOOLKIT=dir)
#   make && sudo make install   build and install into an existing server

EXTENSION  = lakets
MODULE_big = lakets
EXT_VERSION = 0.2
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard extension/*.c)))
DATA_built = lakets--$(EXT_VERSION).sql
# Released versions: their install scripts frozen as they were released, and
# the update scripts from each to the next (docs/upgrading.md). Until 0.2 is
# released, every SQL change goes into SQL_PARTS and lakets--0.1--0.2.sql.
DATA = extension/lakets--0.1.sql extension/lakets--0.1--0.2.sql \
	extension/lakets--0.2--0.1.sql
EXTRA_CLEAN = lakets--$(EXT_VERSION).sql .tmp

# The install script is the modules' SQL, in dependency order.
SQL_PARTS = extension/catalog.sql extension/timebucket.sql \
	extension/chronotable.sql extension/ensure.sql extension/timefuncs.sql \
	extension/rollup.sql extension/retention.sql extension/maintenance.sql \
	extension/lvc.sql extension/ingest.sql extension/metric_table.sql \
	extension/alerts.sql extension/monitoring.sql

REGRESS = setup timebucket chronotable convert ensure ensure_steady chunks rollup retention maintenance trust ingest \
	tsfuncs metric_table alerts monitoring lvc ingest_batch

ISOLATION = ensure_vs_insert ensure_lock_timeout ensure_sees_commit refresh_vs_insert refresh_vs_refresh \
	retention_vs_insert retention_vs_refresh maintenance_vs_maintenance \
	maintain_commits_per_table move_vs_move tail_vs_refresh refresh_rebuild_vs_read

PG_CPPFLAGS = -I$(srcdir)/extension -DLAKETS_SQL_VERSION=\"$(EXT_VERSION)\"
PG_CFLAGS = -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
ifeq ($(PORTNAME),linux)
# Calls between lakets' own files are bound inside the library when it is
# linked, so that loading it in a new backend looks up 157 fewer symbols
# (0.12 of 0.77 ms; docs/benchmarks.md). PostgreSQL 16 and later get the
# same from building extensions with hidden symbols.
SHLIB_LINK += -Wl,-Bsymbolic-functions
endif
else
# No server headers yet: only the targets that install them can run.
srcdir = .
all install installcheck:
	@echo "lakets: PostgreSQL server headers (pg_config --pgxs) not found." >&2
	@echo "lakets: run 'make demo' or 'make test', or test/install-deps.sh as root." >&2
	@exit 1
endif

lakets--$(EXT_VERSION).sql: $(SQL_PARTS)
	cat $^ > $@

all: helper-all
install: helper-install
clean: helper-clean

.PHONY: helper-all helper-install helper-clean deps demo test test-citus matrix deb deb-check bench toolkit fuzz print-cflags compat

helper-all:
	$(MAKE) -C helper
helper-install:
	$(MAKE) -C helper install
helper-clean:
	$(MAKE) -C helper clean

deps:
	bash test/install-deps.sh

# Recursive makes so that the PGXS include is read after deps are installed.
demo: deps
	$(MAKE) all
	$(MAKE) install
	bash test/demo.sh

# lakets on a Citus cluster (coordinator + 2 workers), Citus built from
# ../shared/vendor/; skipped with a clear line when that is absent.
test-citus: deps
	bash test/citus/run.sh

# PG=17 make test: the same suite against another major (test/matrix.sh).
ifneq ($(PG),)
test:
	bash test/matrix.sh $(PG)
else
test: deps
	$(MAKE) all
	$(MAKE) install
	REGRESS="$(REGRESS)" ISOLATION="$(ISOLATION)" bash test/run-tests.sh
endif

# make test against every major lakets is tested on (MATRIX="17 18" picks).
MATRIX ?= 15 17 18
matrix:
	bash test/matrix.sh $(MATRIX)

# PG="15 17 18" picks the majors (default: this machine's).
deb:
	bash test/deb.sh build $(PG)
deb-check:
	bash test/deb.sh check $(PG)

bench: deps
	$(MAKE) all
	$(MAKE) install
	bash test/bench/run.sh

# The LakeTS toolkit's own test suite against lakets (LAKETS_TOOLKIT=<checkout>).
toolkit: deps
	$(MAKE) all
	$(MAKE) install
	bash test/cluster.sh start
	. .tmp/cluster.env && export PGHOST PGPORT PGUSER && bash test/toolkit/run.sh; \
		rc=$$?; bash test/cluster.sh stop >/dev/null; exit $$rc

fuzz: deps
	$(MAKE) -C helper fuzz

# The C compiler flags of this build, without the server's include paths:
# test/compat-headers.sh compiles the sources with them against other majors.
print-cflags:
	@echo $(CFLAGS) $(CFLAGS_SL) $(PG_CPPFLAGS)

# Compile every extension source against PostgreSQL 17's server headers
# (Debian 13's postgresql-server-dev-17, downloaded into .tmp/).
compat: deps
	bash test/compat-headers.sh 17 trixie
