package logcleanup

import (
	"context"
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// Apply writes the plan's files in order (the script before the cron line that runs it), each
// through hostfile, which journals the prior file first. It does not run the cleanup (see the
// package comment).
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	facts, stop, err := steps.ApplyFacts[Facts](live, plan)
	if stop {
		return steps.Done(err)
	}
	// Every change is checked before the first write, so a plan naming a file this step does not
	// own changes nothing at all.
	wants := make([]hostfile.Desired, len(plan.Changes))
	for i, ch := range plan.Changes {
		if wants[i], err = wanted(ch); err != nil {
			return steps.Report{}, err
		}
	}
	c, err := env.SSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	have := map[string]sshhost.File{ScriptPath: facts.Script, CronPath: facts.Cron}
	var done []string
	for i, ch := range plan.Changes {
		if err := hostfile.Write(ctx, rec, c, ch, have[wants[i].Path], wants[i]); err != nil {
			return steps.Report{Detail: wroteDetail(done)}, fmt.Errorf("write %s: %w", wants[i].Path, err)
		}
		done = append(done, wants[i].Path)
	}
	return steps.Report{Detail: wroteDetail(done) + "; the cleanup first runs at its scheduled time"}, nil
}

func wroteDetail(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	return "wrote " + strings.Join(paths, ", ")
}

// wanted is the file a change of this step writes; the body is the plan's, as previewed.
func wanted(ch steps.Change) (hostfile.Desired, error) {
	p := hostfile.PathOf(ch)
	if !owns(p) {
		return hostfile.Desired{}, fmt.Errorf("%s: the plan names %s, which this step does not write", ID, ch.Address)
	}
	if ch.Action != steps.Create && ch.Action != steps.Update {
		return hostfile.Desired{}, fmt.Errorf("%s: the plan would %s %s, which this step never does", ID, ch.Action.Word(), p)
	}
	return desired(p, []byte(ch.After)), nil
}

// owns reports whether p is a file this step writes: undo touches no other path.
func owns(p string) bool {
	_, ok := modes[p]
	return ok
}

// Undo puts back each file as it was before hardsail wrote it, newest write first, refusing a file
// someone changed since unless env.Force, and any journal entry naming a path the step does not
// own. Logs the cleanup already deleted stay deleted.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	if len(entries) == 0 {
		return steps.Report{}, nil
	}
	c, err := env.SSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	did, err := hostfile.Undo(ctx, rec, c, entries, owns)
	if err != nil {
		return steps.Report{Detail: strings.Join(did, ", ")}, err
	}
	detail := "logs already deleted by the cleanup are not restored"
	if len(did) > 0 {
		detail = strings.Join(did, ", ") + "; " + detail
	}
	return steps.Report{Detail: detail}, nil
}
