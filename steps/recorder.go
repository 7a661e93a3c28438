package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
)

// Recorder is the one way a step changes the world during Apply, Undo or Prepare. Each call journals
// the change before it happens, reports it as progress, runs it, and records what came of it:
// done, failed (the world is known unchanged) or unknown (it may have acted: undo considers it and
// compares the live value first).
type Recorder struct {
	j    *Journal
	env  *Env
	step string
	// acted counts the changes whose action ran and succeeded.
	acted int
}

// NewRecorder returns the recorder of step's changes into j.
func NewRecorder(j *Journal, env *Env, step string) *Recorder {
	return &Recorder{j: j, env: env, step: step}
}

// Journal is where the recorder writes (for reading entries, never for writing around it).
func (r *Recorder) Journal() *Journal { return r.j }

// Do journals c with the data undo will need, then runs fn. fn may be nil for a change that needs no
// action of its own (the last of several records of one call).
func (r *Recorder) Do(ctx context.Context, c Change, undo any, fn func(context.Context) error) error {
	id, err := r.j.Begin(r.step, c, undo)
	if err != nil {
		return err
	}
	return r.run(ctx, id, c, fn)
}

// Reverse journals the reversal of orig (in Undo), then runs fn; nil fn closes orig with nothing to
// do (it was already back as it was, or it cannot be reversed and the report says what to do).
func (r *Recorder) Reverse(ctx context.Context, orig Entry, c Change, data any, fn func(context.Context) error) error {
	id, err := r.j.BeginUndo(orig, c, data)
	if err != nil {
		return err
	}
	return r.run(ctx, id, c, fn)
}

func (r *Recorder) run(ctx context.Context, id string, c Change, fn func(context.Context) error) error {
	r.env.Emit(Event{Kind: EventChangeStart, Step: r.step, Address: c.Address, Message: c.Why})
	var err error
	if fn != nil {
		err = fn(ctx)
	}
	switch {
	case err == nil:
		if jerr := r.j.Done(id); jerr != nil {
			return jerr
		}
		if fn != nil {
			r.acted++
		}
		r.env.Emit(Event{Kind: EventChangeDone, Step: r.step, Address: c.Address, Status: StatusChanged})
		return nil
	case Unknown(ctx, err):
		_ = r.j.Unknown(id, err)
		r.env.Emit(Event{Kind: EventChangeDone, Step: r.step, Address: c.Address, Status: StatusUnknown, Message: err.Error()})
	default:
		_ = r.j.Fail(id, err)
		r.env.Emit(Event{Kind: EventChangeDone, Step: r.step, Address: c.Address, Status: StatusFailed, Message: err.Error()})
	}
	return err
}

// definiteError marks an error after which the world is known to be as it was.
type definiteError struct{ err error }

func (e *definiteError) Error() string { return e.err.Error() }
func (e *definiteError) Unwrap() error { return e.err }

// Definite marks err as one after which nothing changed (the request was refused, a validation
// failed before the write), so the journal records the change as failed rather than unknown.
func Definite(err error) error {
	if err == nil {
		return nil
	}
	return &definiteError{err: err}
}

// Unknown reports whether, after err, the outside world may have acted: a cancel or time-out, a
// dropped connection, a server fault or a network error after the request was sent. Only errors
// that say the request was refused (an AWS client fault such as InvalidInput, or Definite) are
// known to have changed nothing.
func Unknown(ctx context.Context, err error) bool {
	if err == nil {
		return false
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || sshhost.Dropped(err) {
		return true
	}
	var d *definiteError
	if errors.As(err, &d) {
		return false
	}
	return !awsapi.Refused(err)
}

// Step is the step whose changes this recorder journals.
func (r *Recorder) Step() string { return r.step }

// Env is the run's environment (for Force and the clock).
func (r *Recorder) Env() *Env { return r.env }

// TamperedError refuses a journal entry whose data is not something the step could have written
// (a path outside the files it owns, a package name that is not one): undo runs nothing for it.
type TamperedError struct {
	Entry string
	Why   string
}

func (e *TamperedError) Error() string {
	return fmt.Sprintf("journal entry %s: %s; nothing was undone", e.Entry, e.Why)
}

// HintText names the fix.
func (e *TamperedError) HintText() string {
	return "The journal was edited by hand or is damaged: look at it with `hardsail history`, and undo this change by hand."
}
