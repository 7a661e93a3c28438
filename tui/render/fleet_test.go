package render_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/tui/render"
	"github.com/hardsail/hardsail/tui/theme"
)

func TestFleetLinesAndJSON(t *testing.T) {
	results := []fleet.Result{
		{Instance: fleet.Instance{Region: "eu-west-1", Name: "blog", Flavour: "bitnami", State: "stopped"}, Err: errors.New("blog is stopped")},
		{Instance: fleet.Instance{Region: "us-east-1", Name: "shop", Flavour: "lightsail", State: "running"},
			Results: []steps.Result{{Step: "a", Status: steps.StatusOK}, {Step: "b", Status: steps.StatusDrift, Detail: "1 to change", Fix: "hardsail apply b"}}},
	}
	out := render.Fleet(theme.Plain(), results)
	want := strings.Join([]string{
		"✗ failed  eu-west-1 blog     bitnami    0 ok  0 drift  0 pending  1 failed  → blog is stopped",
		"! drift   us-east-1 shop     lightsail  1 ok  1 drift  0 pending  0 failed  → b: 1 to change (fix: hardsail apply b)",
		"",
		"2 instances: 0 ok, 1 drift, 0 pending, 1 failed.",
	}, "\n") + "\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Instances     []struct {
			Region, Instance, Status, Error string
			Steps                           []struct{ ID, Status string }
		}
		Summary map[string]int
	}
	if err := json.Unmarshal(render.NewFleetReport("verify", "123456789012", results).JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != render.SchemaVersion || len(doc.Instances) != 2 || doc.Instances[0].Error != "blog is stopped" ||
		len(doc.Instances[1].Steps) != 2 || doc.Instances[1].Steps[1].Status != "drift" || doc.Summary["failed"] != 1 || doc.Summary["instances"] != 2 {
		t.Errorf("fleet JSON: %+v", doc)
	}
}
