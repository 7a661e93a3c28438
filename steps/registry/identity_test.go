package registry

import (
	"regexp"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

// TestEveryStepIsNamedAndExplained: every step's New sets its identity (a step built without it
// would journal under an empty id) and every step has the paragraph the wizard shows.
func TestEveryStepIsNamedAndExplained(t *testing.T) {
	id := regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, s := range All() {
		if !id.MatchString(s.ID()) {
			t.Errorf("step %T: id %q is not lower kebab case", s, s.ID())
		}
		if seen[s.ID()] {
			t.Errorf("step id %q is used twice", s.ID())
		}
		seen[s.ID()] = true
		if s.Title() == "" {
			t.Errorf("step %s has no title", s.ID())
		}
		ex, ok := s.(steps.Explainer)
		if !ok || ex.Why() == "" {
			t.Errorf("step %s does not say why it matters (steps.Explainer)", s.ID())
		}
	}
}
