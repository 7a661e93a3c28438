// Package tui is hardsail's wizard: a full-screen bubbletea program over the steps engine, or, for
// --accessible and TERM=dumb, the same journey as plain line-by-line prompts.
package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/render"
)

// Identity is who the AWS credentials belong to.
type Identity struct {
	Account string
	ARN     string
	// Root is the account's root user: the wizard warns.
	Root bool
}

// Options are what the wizard needs from cmd.
type Options struct {
	IO       *iostreams.IOStreams
	Identity Identity
	Region   string
	// Instance and Engine, when the instance is already chosen (--instance, or the only one).
	Instance string
	Engine   *steps.Engine
	// Instances and Open, when the region has several: the wizard asks, then opens the engine for
	// the chosen one. Open must not print; its engine's observer may log.
	Instances []string
	Open      func(ctx context.Context, instance string) (*steps.Engine, error)
	// Fleet, with Instances and Open, checks every instance of the region for the list the wizard
	// opens on (worst first), telling its progress; r calls it again. It must not print.
	Fleet func(ctx context.Context, progress func(fleet.Progress)) ([]fleet.Result, error)
	// SSH says in one line how hardsail will reach the instance.
	SSH string
	// Demo marks the emulated account.
	Demo bool
	// Asker, when set, wraps the wizard's asker (the demo's says its emulated MFA device's codes).
	Asker func(steps.Asker) steps.Asker
	// Accessible asks for plain prompts instead of the full screen (also IO.Accessible).
	Accessible bool
	// now and local, when set, are the user's clock and time zone (tests); else the system's.
	now   func() time.Time
	local *time.Location
}

// zone is the user's time zone.
func (o Options) zone() *time.Location { return cmp.Or(o.local, time.Local) }

// clock is the user's clock.
func (o Options) clock() func() time.Time {
	if o.now != nil {
		return o.now
	}
	return time.Now
}

// asker is a, wrapped by o.Asker when there is one.
func (o Options) asker(a steps.Asker) steps.Asker {
	if o.Asker == nil {
		return a
	}
	return o.Asker(a)
}

// Run runs the wizard until the user quits, then leaves the recap (what `hardsail verify` prints)
// on the normal screen. The engine's observer and asker are replaced by the wizard's (an
// observer set before is still called first, e.g. to log).
func Run(ctx context.Context, o Options) error {
	if o.Engine == nil && o.Open == nil {
		return errors.New("tui: Options needs an Engine or an Open function")
	}
	if o.Accessible || o.IO.Accessible {
		return runPlainCancellable(ctx, o)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := newRunner(ctx)
	m := newModel(o, r, o.IO.Theme())
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(o.IO.In), tea.WithOutput(o.IO.Out)}
	if !o.IO.ColorEnabled() {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	final, err := tea.NewProgram(m, opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = ctx.Err()
	}
	if fm, ok := final.(*model); ok && fm.dash != nil {
		printRecap(o.IO.Out, o, fm.id.instance, fm.dash.results(), fm.dash.applied)
	}
	return err
}

// printRecap is the verify output in the wizard's words: the header, then one line per step and
// the count. applied says which steps hardsail has changes of in the journal.
func printRecap(w io.Writer, o Options, instance string, results []steps.Result, applied func(string) bool) {
	if len(results) == 0 {
		return
	}
	t := o.IO.Theme()
	fmt.Fprint(w, render.Header(t, instance, o.Region, o.Identity.Account, o.Identity.Root))
	fmt.Fprint(w, render.WizardRecap(t, results, applied))
}
