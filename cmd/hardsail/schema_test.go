package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/render"
)

// schemaBase is where the schemas say they live ($id); their $refs resolve against it.
const schemaBase = "https://github.com/hardsail/hardsail/assets/schema/"

// schemas compiles every schema under assets/schema (the ones README promises), by file name.
func schemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	files, err := fs.Glob(assets.Schemas, "schema/*.schema.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema embedded: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range files {
		b, err := assets.Schemas.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.AddResource(schemaBase+path.Base(f), doc); err != nil {
			t.Fatal(err)
		}
	}
	all := map[string]*jsonschema.Schema{}
	for _, f := range files {
		s, err := c.Compile(schemaBase + path.Base(f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all[path.Base(f)] = s
	}
	return all
}

// schemaFileOf names the schema a --json document answers to: by its command, and a fleet report
// by its instances.
func schemaFileOf(doc map[string]any) string {
	switch {
	case doc["instances"] != nil:
		return "fleet.schema.json"
	case doc["command"] == "version", doc["command"] == "info":
		return doc["command"].(string) + ".schema.json"
	}
	return "report.schema.json"
}

// checkDocument fails unless stdout is one JSON document with schema_version, command, the demo
// flag as wanted, and valid against its schema; it returns the document.
func checkDocument(t *testing.T, all map[string]*jsonschema.Schema, stdout string, demo bool) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, stdout)
	}
	if v, ok := doc["schema_version"].(float64); !ok || v != float64(render.SchemaVersion) {
		t.Fatalf("schema_version is %v, want %d\n%s", doc["schema_version"], render.SchemaVersion, stdout)
	}
	if doc["demo"] != demo {
		t.Fatalf("demo is %v, want %v\n%s", doc["demo"], demo, stdout)
	}
	file := schemaFileOf(doc)
	if err := all[file].Validate(any(doc)); err != nil {
		t.Fatalf("does not validate against assets/schema/%s: %v\n%s", file, err, stdout)
	}
	return doc
}

// The --json documents of real commands (the demos: Bitnami's drift and findings on several steps,
// the Lightsail-packaged one's compliant imds) validate against the schema, and findings keep out of the exit status unless --strict.
func TestJSONValidatesAgainstSchemaAndStrict(t *testing.T) {
	all := schemas(t)
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
		// SSH is closed to this computer and the firewall step is not in the run: nothing is applied.
		{"apply refused around a step it cannot check", []string{"--demo", "apply", "auto-upgrades", "--yes", "--json"}, exitError, `"status": "unknown"`},
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
			checkDocument(t, all, r.stdout, true)
		})
	}
}

// The schemas are not a rubber stamp: documents that break the contract fail them.
func TestSchemaRefusesBrokenReports(t *testing.T) {
	all := schemas(t)
	const zero = `"ok":0,"changed":0,"drift":0,"pending":0,"skipped":0,"failed":0,"unknown":0`
	change := func(action, word string) string {
		return `{"schema_version":1,"command":"plan","demo":false,"summary":{` + zero + `},"steps":[{"id":"imds","title":"t","status":"drift","changes":[` +
			`{"action":"` + action + `","action_word":"` + word + `","address":"a","why":"w"}]}]}`
	}
	if err := all["report.schema.json"].Validate(unmarshal(t, change("~", "update"))); err != nil {
		t.Fatalf("a good change is refused: %v", err)
	}
	for name, doc := range map[string]string{
		"no schema_version":        `{"command":"verify","demo":false,"summary":{` + zero + `}}`,
		"newer version":            `{"schema_version":2,"command":"verify","demo":false,"summary":{` + zero + `}}`,
		"no demo":                  `{"schema_version":1,"command":"verify","summary":{` + zero + `}}`,
		"a zero count left out":    `{"schema_version":1,"command":"verify","demo":false,"summary":{"ok":1}}`,
		"history without its zero": `{"schema_version":1,"command":"history","demo":false,"journal":[],"summary":{"done":0}}`,
		"audit without its zero":   `{"schema_version":1,"command":"verify","demo":false,"findings":[],"summary":{"warning":0}}`,
		"action without its word":  strings.Replace(change("~", "update"), `"action_word":"update",`, "", 1),
		"action and word disagree": change("+", "delete"),
		"finding without id": `{"schema_version":1,"command":"verify","demo":false,"summary":{"warning":0,"info":0},` +
			`"findings":[{"step":"imds","severity":"warning","message":"m"}]}`,
		"badly formed id": `{"schema_version":1,"command":"verify","demo":false,"summary":{"warning":0,"info":0},` +
			`"findings":[{"step":"imds","id":"IMDS.Tokens","severity":"warning","message":"m"}]}`,
		"unknown status": `{"schema_version":1,"command":"verify","demo":false,"summary":{` + zero + `},` +
			`"steps":[{"id":"imds","title":"t","status":"fine","changes":[]}]}`,
		"unknown field":                  `{"schema_version":1,"command":"verify","demo":false,"summary":{` + zero + `},"secret":"x"}`,
		"fleet without a zero count":     `{"schema_version":1,"command":"verify","demo":false,"instances":[],"summary":{"instances":0,"ok":0}}`,
		"version without schema_version": `{"command":"version","demo":false,"version":"dev","commit":"unknown","go":"go1.26","platform":"linux/amd64"}`,
	} {
		v := unmarshal(t, doc)
		if all[schemaFileOf(v.(map[string]any))].Validate(v) == nil {
			t.Errorf("%s: the schema accepts %s", name, doc)
		}
	}
}

func unmarshal(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// notDocuments are the commands whose output is not a hardsail document even with --json, and why.
var notDocuments = map[string]string{
	"policy":     "prints the IAM policy itself, in AWS's policy language, for aws iam create-policy to read",
	"man":        "prints the man page",
	"help":       "prints help",
	"completion": "prints a shell's completion script",
}

// Every command prints its --json document with schema_version and demo, valid against its schema:
// in the demo, a run from the first look to apply, history, undo and history again, and the
// commands about hardsail itself. A command added without a document (or a reason in
// notDocuments) fails here.
func TestEveryCommandPrintsAValidJSONDocument(t *testing.T) {
	isolate(t)
	all := schemas(t)
	ran := map[string]bool{}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // in stdout
	}{
		{"wizard off a terminal", nil, exitDrift, []string{`"command": "verify"`, `"unknown": 0`}},
		{"verify", []string{"verify"}, exitDrift, []string{`"drift": `, `"changed": 0`}},
		{"plan", []string{"plan"}, exitDrift, []string{`"action": "~"`, `"action_word": "update"`, `"plan": "Plan: `}},
		{"verify --only-findings", []string{"verify", "--only-findings"}, exitDrift, []string{`"findings": [`, `"info": `}},
		{"verify --all", []string{"verify", "--all"}, exitDrift, []string{`"instances": [`, `"failed": 0`}},
		{"plan --all", []string{"plan", "--all"}, exitDrift, []string{`"command": "plan"`, `"pending": 0`}},
		{"apply", []string{"apply", "firewall", "sshd", "--yes"}, exitOK, []string{`"outcomes": [`, `"changed": 3`, `"failed": 0`}},
		{"history after apply", []string{"history"}, exitOK, []string{`"action_word": "create"`, `"state": "done"`, `"undone": 0`}},
		{"undo", []string{"undo", "--all", "--yes"}, exitOK, []string{`"command": "undo"`, `"status": "changed"`}},
		{"history after undo", []string{"history"}, exitOK, []string{`"state": "undone"`, `"interrupted": 0`}},
		{"undo with nothing left", []string{"undo", "--all", "--yes"}, exitOK, []string{`"command": "undo"`, `"changed": 0`}},
		{"info", []string{"info"}, exitOK, []string{`"state_dir": `}},
		{"version", []string{"version"}, exitOK, []string{`"platform": `}},
	} {
		r := runCLI(t, false, append(append([]string{"--demo=bitnami"}, tc.args...), "--json")...)
		if r.code != tc.code {
			t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.name, r.code, tc.code, r.stdout, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Fatalf("%s: stdout lacks %q:\n%s", tc.name, w, r.stdout)
			}
		}
		doc := checkDocument(t, all, r.stdout, true)
		if tc.args != nil && doc["command"] != tc.args[0] {
			t.Errorf("%s: command %v", tc.name, doc["command"])
		}
		name := "hardsail"
		if tc.args != nil {
			name = tc.args[0]
		}
		ran[name] = true
	}
	// Off the demo, demo is false, and still there.
	checkDocument(t, all, runCLI(t, false, "version", "--json").stdout, false)

	io, _, _ := iostreams.Test("")
	root := newRootCmd(newFactory(io), nil)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if _, ok := notDocuments[sub.Name()]; ok {
				continue
			}
			if !ran[sub.Name()] {
				t.Errorf("hardsail %s: no test of its --json document (or it is not one: say why in notDocuments)", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(root)
}
