package tui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/theme"
)

type askKind int

const (
	askConfirm askKind = iota
	askInput
	askShow
)

// askMsg is a step's question in the middle of Apply. The step's goroutine waits on reply; the
// model shows a modal and answers, so Update never blocks.
type askMsg struct {
	kind  askKind
	title string // the question, prompt or title
	body  string // Show's text
	def   bool
	check func(string) error
	reply chan askReply
}

type askReply struct {
	yes  bool
	text string
	err  error
}

// errAskCancelled is the answer to a question the user dismissed (esc) or quit over: "not now".
var errAskCancelled = steps.ErrDismissed

// modalAsker implements steps.Asker for the full-screen wizard.
type modalAsker struct{ bus chan<- tea.Msg }

var _ steps.Asker = (*modalAsker)(nil)

func (a *modalAsker) ask(ctx context.Context, m askMsg) (askReply, error) {
	m.reply = make(chan askReply, 1)
	select {
	case a.bus <- m:
	case <-ctx.Done():
		return askReply{}, ctx.Err()
	}
	select {
	case r := <-m.reply:
		return r, r.err
	case <-ctx.Done():
		return askReply{}, ctx.Err()
	}
}

func (a *modalAsker) Confirm(ctx context.Context, question string, def bool) (bool, error) {
	r, err := a.ask(ctx, askMsg{kind: askConfirm, title: question, def: def})
	return r.yes, err
}

func (a *modalAsker) Input(ctx context.Context, prompt string, check func(string) error) (string, error) {
	r, err := a.ask(ctx, askMsg{kind: askInput, title: prompt, check: check})
	return r.text, err
}

func (a *modalAsker) Show(ctx context.Context, title, body string) error {
	_, err := a.ask(ctx, askMsg{kind: askShow, title: title, body: body})
	return err
}

// plainAsker implements steps.Asker with line-by-line prompts (huh's accessible mode) for
// --accessible and TERM=dumb.
type plainAsker struct {
	in    io.Reader
	out   io.Writer
	theme huh.Theme
	// busy, in the plain wizard, is held by the engine call asking: a question lets go of it, so
	// Ctrl+C while it waits on the terminal ends the session at once.
	busy *sync.Mutex
}

var _ steps.Asker = (*plainAsker)(nil)

func (a *plainAsker) run(ctx context.Context, f huh.Field) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if a.busy != nil {
		a.busy.Unlock()
		defer a.busy.Lock()
	}
	return huh.NewForm(huh.NewGroup(f)).WithTheme(a.theme).WithAccessible(true).
		WithInput(a.in).WithOutput(a.out).Run()
}

func (a *plainAsker) Confirm(ctx context.Context, question string, def bool) (bool, error) {
	v := def
	err := a.run(ctx, huh.NewConfirm().Title(question).Value(&v))
	return v, err
}

func (a *plainAsker) Input(ctx context.Context, prompt string, check func(string) error) (string, error) {
	var v string
	in := huh.NewInput().Title(prompt).Value(&v)
	if check != nil {
		in = in.Validate(check)
	}
	err := a.run(ctx, in)
	return strings.TrimSpace(v), err
}

func (a *plainAsker) Show(ctx context.Context, title, body string) error {
	_, err := fmt.Fprintf(a.out, "\n%s\n%s\n\n", title, strings.TrimRight(body, "\n"))
	return err
}

// PlainAsker is the Asker for plain commands at a terminal (`hardsail apply`): line-by-line
// prompts on io's streams.
func PlainAsker(ios *iostreams.IOStreams) steps.Asker {
	return &plainAsker{in: lineReader{bufio.NewReader(ios.In)}, out: plainWriter(ios, ios.ErrOut), theme: theme.NewWizard(ios.Theme(), true).Form}
}
