package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hardsail/hardsail/assets"
)

// reportSchema compiles assets/schema/report.schema.json, the schema README promises.
func reportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(assets.ReportSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The --json documents of real commands (the demos: Bitnami's drift and findings on several steps,
// the Lightsail-packaged one's compliant imds) validate against the schema, and findings keep out of the exit status unless --strict.
func TestJSONValidatesAgainstSchemaAndStrict(t *testing.T) {
	schema := reportSchema(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout
	}{
		{"verify", []string{"verify", "--json"}, exitDrift, `"id": "iam-admin.root_mfa_off"`},
		{"plan", []string{"plan", "--json"}, exitDrift, `"plan": "Plan: `},
		{"only findings", []string{"verify", "--only-findings", "--json"}, exitDrift, `"step": "snapshot"`},
		{"only findings of a step with none", []string{"--demo", "verify", "imds", "--only-findings", "--json"}, exitOK, `"findings": []`},
		{"a warning alone exits 0", []string{"verify", "snapshot", "--json"}, exitOK, `"id": "snapshot.auto_snapshot_off"`},
		{"a warning with --strict exits 2", []string{"verify", "snapshot", "--strict", "--json"}, exitDrift, `"severity": "warning"`},
		{"--strict with no finding exits 0", []string{"--demo", "verify", "imds", "--strict", "--json"}, exitOK, `"status": "ok"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			args := tc.args
			if args[0] != "--demo" {
				args = append([]string{"--demo=bitnami"}, args...) // IMDSv1 and findings on several steps
			}
			r := runCLI(t, false, args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.want) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
			var doc any
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
			if err := schema.Validate(doc); err != nil {
				t.Fatalf("does not validate against assets/schema/report.schema.json: %v\n%s", err, r.stdout)
			}
		})
	}
}

// The schema is not a rubber stamp: documents that break the contract fail it.
func TestSchemaRefusesBrokenReports(t *testing.T) {
	schema := reportSchema(t)
	for name, doc := range map[string]string{
		"no schema_version":  `{"command":"verify","summary":{}}`,
		"newer version":      `{"schema_version":2,"command":"verify","summary":{}}`,
		"finding without id": `{"schema_version":1,"command":"verify","summary":{},"findings":[{"step":"imds","severity":"warning","message":"m"}]}`,
		"badly formed id":    `{"schema_version":1,"command":"verify","summary":{},"findings":[{"step":"imds","id":"IMDS.Tokens","severity":"warning","message":"m"}]}`,
		"unknown status":     `{"schema_version":1,"command":"verify","summary":{},"steps":[{"id":"imds","title":"t","status":"fine","changes":[]}]}`,
		"unknown field":      `{"schema_version":1,"command":"verify","summary":{},"secret":"x"}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if schema.Validate(v) == nil {
			t.Errorf("%s: the schema accepts %s", name, doc)
		}
	}
}
