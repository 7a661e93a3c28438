package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

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

// questionsFor are the questions asked of the step as Check found it (questionsOf without those
// about what it did not find).
func questionsFor(opts []steps.Option, st steps.State) []steps.Option {
	return slices.DeleteFunc(questionsOf(opts), func(q steps.Option) bool { return q.AskIf != nil && !q.AskIf(st) })
}

// answers holds a step's answers while its form is open.
type answers struct {
	qs     []steps.Option
	values []string
	// custom is what was typed for a question whose "another value" choice is chosen.
	custom []string
	// live are notes that follow what is typed (the reboot time on the user's clock). They are set
	// in Update by refresh, not by huh's DescriptionFunc: huh runs that in a command's goroutine,
	// which would read the answer while the form writes it.
	live []func()
}

// refresh brings every note that follows an answer up to date; the screen calls it after each
// update of the form.
func (a *answers) refresh() {
	for _, f := range a.live {
		f()
	}
}

// otherChoice is the value of the choice that lets the user type a value of their own.
const otherChoice = "\x00other"

// Switch answers: an on/off setting is asked as yes or no, never typed.
const switchYes, switchNo = "yes", "no"

// newAnswers starts from the current settings; an unset one shows what the step suggests from what
// it found (the address the instance sees), else the option's default.
func newAnswers(opts []steps.Option, s steps.Settings, r steps.Result) *answers {
	a := &answers{qs: questionsFor(opts, r.State)}
	a.values = make([]string, len(a.qs))
	a.custom = make([]string, len(a.qs))
	for i, q := range a.qs {
		v := q.Get(s)
		if v == "" && q.Suggest != nil {
			v = q.Suggest(r.State)
		}
		if v == "" {
			v = q.Default
		}
		switch {
		case q.Kind == steps.OptionSwitch && v == "":
			v = switchNo
		case q.Kind == steps.OptionSwitch:
			v = switchYes
		case q.Custom != "" && !slices.ContainsFunc(q.Choices, func(c steps.Choice) bool { return c.Value == v }):
			a.custom[i], v = v, otherChoice
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

// clock is what a time-of-day question is shown against: now, the user's own zone, and the
// instances' zones, loaded outside Update (loadZones).
type clock struct {
	now   time.Time
	local *time.Location
	zones map[string]*time.Location
}

// loadZones loads the time zones the steps' time-of-day questions are on. It reads the zone
// database: call it from a command or the plain wizard, never from Update or View.
func loadZones(all []steps.Step, rs []steps.Result) map[string]*time.Location {
	out := map[string]*time.Location{}
	for _, r := range rs {
		for _, q := range optionsOf(stepOf(all, r.Step)) {
			if q.Zone == nil {
				continue
			}
			if name := q.Zone(r.State); name != "" {
				if loc, err := time.LoadLocation(name); err == nil {
					out[name] = loc
				}
			}
		}
	}
	return out
}

// zoneNote says on which clock a time of day is, and what it is on the user's: "On the instance's
// clock (Etc/UTC): 02:00 there is 03:00 here (CET)." "" when the question is not a time of day.
func (c clock) zoneNote(q steps.Option, r steps.Result, v string) string {
	if q.Zone == nil {
		return ""
	}
	name := q.Zone(r.State)
	if name == "" {
		return "On the instance's clock (its time zone could not be read)."
	}
	note := "On the instance's clock (" + name + ")."
	there, ok := c.zones[name]
	at, err := time.Parse("15:04", strings.TrimSpace(v))
	if !ok || c.local == nil || err != nil {
		return note
	}
	day := c.now.In(there)
	t := time.Date(day.Year(), day.Month(), day.Day(), at.Hour(), at.Minute(), 0, 0, there).In(c.local)
	if there.String() == c.local.String() {
		return note + " That is your time zone too."
	}
	here := t.Format("15:04")
	switch a, b := t.Format("20060102"), day.Format("20060102"); {
	case a < b:
		here += " the day before"
	case a > b:
		here += " the day after"
	}
	zone, _ := t.Zone()
	return note + " " + at.Format("15:04") + " there is " + here + " where you are (" + zone + ")."
}

// describe is the line under a question: what the step found for it, when it found something, then
// the option's note, then on which clock a time of day is.
func (c clock) describe(q steps.Option, r steps.Result, v string) string {
	note := q.Note
	if q.Suggest != nil {
		if s := q.Suggest(r.State); s != "" {
			note = strings.TrimSpace(cmp.Or(q.SuggestLabel, "Suggested") + ": " + s + ". " + q.Note)
		}
	}
	return strings.TrimSpace(note + " " + c.zoneNote(q, r, v))
}

// askGroup is questions asked together; show, when set, says whether they are asked at all (a
// typed value only when "another value" was chosen).
type askGroup struct {
	fields []huh.Field
	show   func() bool
}

// groups are huh fields bound to the answers: the questions in one group, except that a typed
// value for "another value" is a group of its own, asked only when that choice is made. In plain
// mode the description is printed as a note and the current value is the default an empty line
// keeps.
func (a *answers) groups(r steps.Result, clk clock, plain bool) []askGroup {
	a.live = nil
	var out []askGroup
	var cur []huh.Field
	for i, q := range a.qs {
		note := clk.describe(q, r, a.values[i])
		if plain {
			cur = append(cur, huh.NewNote().Description(note))
		}
		if f := a.selectField(i, q, note, plain); f != nil {
			cur = append(cur, f)
			if q.Custom == "" {
				continue
			}
			out = append(out, askGroup{fields: cur})
			cur = nil
			typed := q
			typed.Question, typed.Choices = q.Custom, nil
			in := a.input(i, typed, &a.custom[i], plain)
			out = append(out, askGroup{fields: []huh.Field{in}, show: func() bool { return a.values[i] == otherChoice }})
			continue
		}
		in := a.input(i, q, &a.values[i], plain).Description(note)
		if q.Zone != nil && !plain {
			// The time where the user is follows what is typed.
			a.live = append(a.live, func() { in.Description(clk.describe(q, r, a.values[i])) })
		}
		cur = append(cur, in)
	}
	if len(cur) > 0 {
		out = append(out, askGroup{fields: cur})
	}
	return out
}

// selectField is the question as a choice in words (a switch as yes or no), nil for a typed one.
func (a *answers) selectField(i int, q steps.Option, note string, plain bool) huh.Field {
	var opts []huh.Option[string]
	switch {
	case q.Kind == steps.OptionSwitch:
		opts = huh.NewOptions(switchYes, switchNo)
	case len(q.Choices) > 0:
		for _, c := range q.Choices {
			opts = append(opts, huh.NewOption(c.Label, c.Value))
		}
		if q.Custom != "" {
			opts = append(opts, huh.NewOption(q.Custom, otherChoice))
		}
	default:
		return nil
	}
	title := q.Question
	if plain && a.values[i] != "" && a.values[i] != otherChoice {
		title += " [" + labelOf(q, a.values[i]) + "]"
	}
	return huh.NewSelect[string]().Title(title).Description(note).Options(opts...).Value(&a.values[i])
}

// labelOf is the words of the choice with value v.
func labelOf(q steps.Option, v string) string {
	for _, c := range q.Choices {
		if c.Value == v {
			return c.Label
		}
	}
	return v
}

// input is the question typed, validated as the flag is.
func (a *answers) input(i int, q steps.Option, v *string, plain bool) *huh.Input {
	title, valid, def := q.Question, check(q), *v
	if plain {
		if def != "" {
			title += " [" + def + "]"
		}
		valid = func(v string) error {
			if strings.TrimSpace(v) == "" && def != "" {
				return nil
			}
			return check(q)(v)
		}
	}
	return huh.NewInput().Title(title).Value(v).Validate(valid)
}

// settings returns s with the answers in it (an empty answer to a question with a default keeps
// the setting; otherwise it clears it).
func (a *answers) settings(s steps.Settings) steps.Settings {
	for i, q := range a.qs {
		v := strings.TrimSpace(a.values[i])
		switch {
		case v == otherChoice:
			v = strings.TrimSpace(a.custom[i])
		case q.Kind == steps.OptionSwitch:
			// Every switch's flag parses Go's true and false.
			v = strconv.FormatBool(v == switchYes)
		}
		if v == "" && q.Default != "" {
			continue
		}
		// Answers were validated by the form; a value that still does not parse keeps the setting.
		_ = q.Set(&s, v)
	}
	return s
}

// unanswered is the first question the step cannot do without that has no answer yet, when the
// step is skipped for the lack of it.
func unanswered(st steps.Step, r steps.Result, s steps.Settings) (steps.Option, bool) {
	if r.Status != steps.StatusSkipped {
		return steps.Option{}, false
	}
	for _, q := range questionsOf(optionsOf(st)) {
		if q.Needed && q.Get(s) == "" {
			return q, true
		}
	}
	return steps.Option{}, false
}

// walked says the walk visits the step: it has changes to apply or a wait to finish, or it is
// skipped until a question is answered.
func walked(st steps.Step, r steps.Result, s steps.Settings) bool {
	if r.Status == steps.StatusDrift || r.Status == steps.StatusPending {
		return true
	}
	_, ok := unanswered(st, r, s)
	return ok
}
