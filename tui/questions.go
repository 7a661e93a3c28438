package tui

import (
	"cmp"
	"strings"

	"charm.land/huh/v2"

	"github.com/hardsail/hardsail/steps"
)

// stepOf returns the step with this ID, or nil.
func stepOf(all []steps.Step, id string) steps.Step {
	for _, s := range all {
		if s.ID() == id {
			return s
		}
	}
	return nil
}

// optionsOf returns the options st declares (none for a step without settings, or no step).
func optionsOf(st steps.Step) []steps.Option {
	if st == nil {
		return nil
	}
	return steps.OptionsOf([]steps.Step{st})
}

// questionsOf are the options the wizard asks about, in the order the step declares them.
func questionsOf(opts []steps.Option) []steps.Option {
	var qs []steps.Option
	for _, o := range opts {
		if o.Question != "" {
			qs = append(qs, o)
		}
	}
	return qs
}

// answers holds a step's answers while its form is open.
type answers struct {
	qs     []steps.Option
	values []string
}

// newAnswers starts from the current settings; an unset one shows what the step suggests from what
// it found (the address the instance sees), else the option's default.
func newAnswers(opts []steps.Option, s steps.Settings, r steps.Result) *answers {
	a := &answers{qs: questionsOf(opts)}
	a.values = make([]string, len(a.qs))
	for i, q := range a.qs {
		v := q.Get(s)
		if v == "" && q.Suggest != nil {
			v = q.Suggest(r.State)
		}
		if v == "" {
			v = q.Default
		}
		a.values[i] = v
	}
	return a
}

// check validates one answer exactly as the command-line flag is validated.
func check(q steps.Option) func(string) error {
	return func(v string) error {
		var scratch steps.Settings
		return q.Set(&scratch, strings.TrimSpace(v))
	}
}

// describe is the line under a question: what the step found for it, when it found something, then
// the option's note.
func describe(q steps.Option, r steps.Result) string {
	if q.Suggest == nil {
		return q.Note
	}
	if v := q.Suggest(r.State); v != "" {
		return strings.TrimSpace(cmp.Or(q.SuggestLabel, "Suggested") + ": " + v + ". " + q.Note)
	}
	return q.Note
}

// fields are huh fields bound to the answers. In plain mode the description is printed as a note
// and the current value is the default an empty line keeps.
func (a *answers) fields(r steps.Result, plain bool) []huh.Field {
	var out []huh.Field
	for i, q := range a.qs {
		title, note := q.Question, describe(q, r)
		if plain {
			out = append(out, huh.NewNote().Description(note))
			if a.values[i] != "" {
				title += " [" + a.values[i] + "]"
			}
		}
		if len(q.Choices) > 0 {
			opts := make([]huh.Option[string], len(q.Choices))
			for j, c := range q.Choices {
				opts[j] = huh.NewOption(c.Label, c.Value)
			}
			out = append(out, huh.NewSelect[string]().Title(title).Description(note).Options(opts...).Value(&a.values[i]))
			continue
		}
		valid, def := check(q), a.values[i]
		if plain {
			valid = func(v string) error {
				if strings.TrimSpace(v) == "" && def != "" {
					return nil
				}
				return check(q)(v)
			}
		}
		out = append(out, huh.NewInput().Title(title).Description(note).Value(&a.values[i]).Validate(valid))
	}
	return out
}

// settings returns s with the answers in it (an empty answer to a question with a default keeps
// the setting; otherwise it clears it).
func (a *answers) settings(s steps.Settings) steps.Settings {
	for i, q := range a.qs {
		v := strings.TrimSpace(a.values[i])
		if v == "" && q.Default != "" {
			continue
		}
		// Answers were validated by the form; a value that still does not parse keeps the setting.
		_ = q.Set(&s, v)
	}
	return s
}
