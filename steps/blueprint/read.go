package blueprint

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// Hint is what Lightsail's API says the instance was made from. It is shown before SSH is up and
// compared with the host, never used to choose paths: the blueprint id of the Lightsail-packaged
// WordPress is not documented, and an instance made from a snapshot keeps its old blueprint id.
type Hint struct {
	BlueprintID   string  `json:"blueprint_id,omitempty"`
	BlueprintName string  `json:"blueprint_name,omitempty"`
	Flavour       Flavour `json:"flavour,omitempty"` // "" when the names do not say
}

// legacyBitnamiIDs matches the ids Lightsail gave the WordPress blueprints packaged by Bitnami before
// it packaged its own (wordpress, wordpress_multisite). A pattern, not a list of literals: a bare
// "wordpress" would read as the wordpress step's id to internal/layout's check.
var legacyBitnamiIDs = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^wordpress(_multisite)?$`) })

// wordPressBlueprint matches the id or name of any WordPress blueprint.
var wordPressBlueprint = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)wordpress`) })

// HintOf reads the flavour the blueprint's id and name suggest.
func HintOf(id, name string) Hint {
	h := Hint{BlueprintID: id, BlueprintName: name}
	both := strings.ToLower(id + " " + name)
	switch {
	case strings.Contains(both, "bitnami"):
		h.Flavour = Bitnami
	case strings.Contains(both, "lightsail"):
		h.Flavour = Lightsail
	case legacyBitnamiIDs().MatchString(id):
		h.Flavour = Bitnami
	}
	return h
}

// WordPress reports whether the blueprint is a WordPress one at all.
func (h Hint) WordPress() bool {
	return wordPressBlueprint().MatchString(h.BlueprintID + " " + h.BlueprintName)
}

// Describe is the hint in one line, for a header shown before the host is reached.
func (h Hint) Describe() string {
	label := h.BlueprintName
	if h.BlueprintID != "" {
		label += " (" + h.BlueprintID + ")"
	}
	label = strings.TrimSpace(label)
	if label == "" {
		return "" // Lightsail said nothing (or was not asked): nothing to show
	}
	if l, ok := Of(h.Flavour); ok {
		return l.Name + "? Lightsail reports blueprint " + label + "; not yet checked on the host"
	}
	return "blueprint " + label + " (as Lightsail reports it; not yet checked on the host)"
}

// Findings are what step reports about the layout (their ids start with step): a host that has both or neither, and a hint
// that disagrees with the host (the host wins).
func Findings(step string, h Hint, d Detection) []steps.Finding {
	if d.Problem != "" {
		return []steps.Finding{{ID: step + ".layout_unclear", Severity: "warning", Message: d.Problem,
			Fix: "Check which WordPress serves the site; hardsail's WordPress-specific changes wait until the host has exactly one layout it knows."}}
	}
	l, _ := d.Layout()
	if h.Flavour != "" && h.Flavour != d.Flavour {
		hl, _ := Of(h.Flavour)
		return []steps.Finding{{ID: step + ".blueprint_hint_differs", Severity: "info",
			Message: fmt.Sprintf("Lightsail reports blueprint %q, which suggests %s, but the host is laid out as %s; hardsail follows the host",
				h.BlueprintID, hl.Name, l.Name),
			Fix: "Nothing to do if the instance was made from a snapshot or rebuilt by hand."}}
	}
	return nil
}

// hintNote is the run note that keeps the hint, so the steps of one run ask Lightsail once.
const hintNote = "blueprint.hint"

// ReadHint returns the instance's blueprint as GetInstance reports it (the zero Hint without AWS).
func ReadHint(ctx context.Context, env *steps.Env) (Hint, error) {
	var h Hint
	if env.AWS == nil || env.Instance == "" {
		return h, nil
	}
	if s := env.RunNote(hintNote); s != "" && json.Unmarshal([]byte(s), &h) == nil {
		return h, nil
	}
	out, err := env.AWS.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: &env.Instance})
	if err != nil {
		return h, awsapi.Classify("read instance "+env.Instance, err)
	}
	if out.Instance != nil {
		h = HintOf(aws.ToString(out.Instance.BlueprintId), aws.ToString(out.Instance.BlueprintName))
	}
	if b, err := json.Marshal(h); err == nil {
		env.SetRunNote(hintNote, string(b))
	}
	return h, nil
}

// Read detects the layout from the host, in the engine's shared gathering.
func Read(ctx context.Context, env *steps.Env) (Detection, error) {
	f, err := env.HostFacts(ctx, Query())
	if err != nil {
		return Detection{}, fmt.Errorf("read the WordPress layout: %w", err)
	}
	return Detect(f), nil
}

// Describe is the line a dashboard header shows for the instance: the detected layout once the
// host has been read in this run (or can be: env.SSH set), else Lightsail's hint.
func Describe(ctx context.Context, env *steps.Env) (string, error) {
	h, err := ReadHint(ctx, env)
	if err != nil {
		return "", err
	}
	if env.SSH == nil {
		return h.Describe(), nil
	}
	d, err := Read(ctx, env)
	if err != nil {
		return h.Describe(), err
	}
	return d.Describe(), nil
}
