# test/helper/mock.sh - sourced by test/helper/run.sh and
# test/bench/helper_bench.sh: certificates and the mock Databricks workspace.
#
# mock_certs DIR
#   DIR/ca.crt (a test CA), DIR/server.{crt,key} for 127.0.0.1 signed by it,
#   DIR/untrusted.{crt,key} self-signed for 127.0.0.1.
# mock_start STATE-DIR CERT KEY PORT-FILE [IDP-PORT-FILE]
#   starts test/helper/mock_databricks.py in the background (pid appended to
#   the array "pids"), waits for its port; needs MOCK_SP, MOCK_SECRET,
#   MOCK_PAT and MOCK_PAT_USER; MOCK_JWT (the identity token federation
#   accepts), MOCK_AZURE_SECRET and MOCK_CLI_TOKEN are optional.  With
#   IDP-PORT-FILE it also plays Microsoft Entra ID on a second port.

mock_certs() {
	(
		cd "$1" &&
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
				-subj "/CN=lakets test CA" -addext "basicConstraints=critical,CA:TRUE" \
				-addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.crt &&
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
				-subj "/CN=127.0.0.1" -keyout server.key -out server.csr &&
			printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf &&
			openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
				-extfile ext.cnf -out server.crt &&
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
				-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
				-keyout untrusted.key -out untrusted.crt
	) >"$1/openssl.log" 2>&1
}

mock_start() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	# the secrets reach the mock through its environment, as the helper's do
	MOCK_CLIENT_SECRET=$MOCK_SECRET MOCK_PAT=$MOCK_PAT MOCK_JWT=${MOCK_JWT:-} \
		MOCK_AZURE_SECRET=${MOCK_AZURE_SECRET:-} MOCK_CLI_TOKEN=${MOCK_CLI_TOKEN:-} /usr/bin/python3 \
		"$top/test/helper/mock_databricks.py" --cert "$2" --key "$3" --state-dir "$1" \
		--port-file "$4" --client-id "$MOCK_SP" --client-secret ENV --pat ENV \
		--sp-name "$MOCK_SP" --pat-user "$MOCK_PAT_USER" ${5:+--idp-port-file "$5"} \
		2>>"$1/mock.stderr" &
	pids+=($!)
	local i
	for i in $(seq 1 100); do
		[ -s "$4" ] && return 0
		sleep 0.05
	done
	return 1
}

# mock_scenario STATE-DIR ID [JSON fields]: what the mock does from now on
mock_scenario() {
	printf '{"id": "%s"%s}\n' "$2" "${3:+, $3}" >"$1/scenario.tmp"
	mv "$1/scenario.tmp" "$1/scenario.json"
}
