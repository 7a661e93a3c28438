package tui

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/hardsail/hardsail/steps"
)

// The steps' texts are written for the command line: "pass --domain example.com", "run `hardsail
// apply https` again". The wizard never asks the user to type a flag or a command: it says the
// question to answer or the action to take instead. Only what is shown is rewritten; the result
// the engine applies is the one its check returned.

// shown is r as the wizard says it. A step skipped for want of an answer says which question it
// waits for; a fix naming a flag the step asks about becomes that question; a hardsail command
// line becomes the wizard's own action.
func shown(st steps.Step, r steps.Result, s steps.Settings) steps.Result {
	qs := questionsOf(optionsOf(st))
	if q, ok := unanswered(st, r, s); ok {
		r.Detail = "waiting for your answer to “" + q.Question + "”"
		r.State.Skip = r.Detail
	}
	if commandLine().MatchString(r.Fix) {
		// The wizard offers apply, check again and undo itself.
		r.Fix = ""
	}
	r.Fix = actionText(r.Fix, qs)
	r.State.Pending = actionText(r.State.Pending, qs)
	if r.Status == steps.StatusPending {
		// A pending step's detail is what it waits for, in the step's words.
		r.Detail = actionText(r.Detail, qs)
	}
	r.Findings = slices.Clone(r.Findings)
	for i := range r.Findings {
		r.Findings[i].Fix = actionText(r.Findings[i].Fix, qs)
	}
	r.Plan.Notes = slices.Clone(r.Plan.Notes)
	for i := range r.Plan.Notes {
		r.Plan.Notes[i] = actionText(r.Plan.Notes[i], qs)
	}
	return r
}

// shownOutcomes are what an apply or an undo reports, as the wizard says it: a fix as in shown,
// and a quoted hardsail command in a detail as the wizard's action (the detail's reasons stay).
func shownOutcomes(all []steps.Step, outs []steps.Outcome) []steps.Outcome {
	out := slices.Clone(outs)
	for i, o := range out {
		if commandLine().MatchString(o.Fix) {
			o.Fix = ""
		}
		out[i].Fix = actionText(o.Fix, questionsOf(optionsOf(stepOf(all, o.Step))))
		out[i].Detail = actionText(o.Detail, nil)
	}
	return out
}

// commandLine is a text that is nothing but a hardsail command.
var commandLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("^`?hardsail [^`\n]*`?$") })

// quoted is a hardsail command quoted in a text, with the verb before it: "run `hardsail apply
// https` again".
var quoted = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile("(?i)(run )?`hardsail (apply|verify|undo|history)[^`]*`( again)?")
})

// flagIn is a flag in a command.
var flagIn = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(` --([a-z][a-z-]*)`) })

// hasOtherFlag says the command carries a flag besides the demo's own (--demo).
func hasOtherFlag(cmd string) bool {
	for _, m := range flagIn().FindAllStringSubmatch(cmd, -1) {
		if m[1] != "demo" {
			return true
		}
	}
	return false
}

// instead is what the wizard says for a quoted command, by its verb.
var instead = map[string]string{
	"apply":   "apply this step again",
	"verify":  "check again",
	"undo":    "undo this step",
	"history": "look at the history",
}

// actionText rewrites text for the wizard, sentence by sentence: one that names the flag of a
// question the step asks becomes that question; a quoted hardsail command becomes its action.
func actionText(text string, qs []steps.Option) string {
	if !strings.Contains(text, "--") && !strings.Contains(text, "hardsail ") {
		return text
	}
	var out []string
	for _, sentence := range sentences(text) {
		if q, ok := namedFlag(sentence, qs); ok {
			say := "Answer “" + q.Question + "” in this step's questions."
			if len(out) == 0 || out[len(out)-1] != say {
				out = append(out, say)
			}
			continue
		}
		out = append(out, quoted().ReplaceAllStringFunc(sentence, func(cmd string) string {
			if hasOtherFlag(cmd) {
				// A command the wizard has no action for (undo --force): said as it is.
				return cmd
			}
			say := instead[quoted().FindStringSubmatch(cmd)[2]]
			if strings.HasPrefix(cmd, "Run ") {
				say = strings.ToUpper(say[:1]) + say[1:]
			}
			return say
		}))
	}
	return strings.Join(out, " ")
}

// namedFlag is the question whose flag the sentence names.
func namedFlag(sentence string, qs []steps.Option) (steps.Option, bool) {
	for _, q := range qs {
		i := strings.Index(sentence, "--"+q.Flag)
		end := i + 2 + len(q.Flag)
		if i >= 0 && (end == len(sentence) || !isFlagRune(rune(sentence[end]))) {
			return q, true
		}
	}
	return steps.Option{}, false
}

func isFlagRune(r rune) bool { return r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// sentences splits text after each ". " that a capital letter follows (a name such as
// example.com has no space after its dot), keeping each sentence's own text.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		if text[i] == '.' && text[i+1] == ' ' && unicode.IsUpper(rune(text[i+2])) {
			out = append(out, text[start:i+1])
			start = i + 2
		}
	}
	return append(out, text[start:])
}
