package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// Exit codes: the documented table (README "Exit codes"), mapped here and nowhere else.
const (
	exitOK        = 0   // ok / compliant / done
	exitError     = 1   // an error, or a step failed or could not be checked
	exitDrift     = 2   // verify found drift or pending; plan has changes
	exitUsage     = 3   // bad flags or arguments; nothing was changed
	exitAuth      = 4   // AWS credentials missing/expired, or a permission is missing
	exitCancelled = 130 // the user said no, or pressed Ctrl-C
)

// exitCodeOf maps an error to its exit code.
func exitCodeOf(err error) int {
	var usage *steps.UsageError
	var aws *awsapi.Error
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, iostreams.ErrCancelled), errors.Is(err, context.Canceled):
		return exitCancelled
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &aws):
		switch aws.Kind {
		case awsapi.KindCredentials, awsapi.KindAccessDenied:
			return exitAuth
		case awsapi.KindUsage:
			return exitUsage
		}
	}
	return exitError
}

// exitCodeOfStatuses is the exit code of a report: failures first, then drift and pending.
func exitCodeOfStatuses(statuses []steps.Status) int {
	return exitCodeOfVerdict(steps.VerdictOf(statuses))
}

// exitCodeOfVerdict maps what a run came to (steps.Verdict) to its exit code.
func exitCodeOfVerdict(v steps.Verdict) int {
	switch v {
	case steps.VerdictFailed:
		return exitError
	case steps.VerdictDrift:
		return exitDrift
	}
	return exitOK
}

// statusError carries a report's exit code out of a command whose output is already printed.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// printError writes what failed and why, then the Hint, to stderr only.
// The commands they suggest are written as cli runs hardsail.
func printError(io *iostreams.IOStreams, err error, cli steps.CommandLine) {
	t := io.Theme()
	msg := cli.InText(err.Error())
	fmt.Fprintf(io.ErrOut, "%s %s\n", t.Failed.Render("Error:"), strings.TrimSpace(msg))
	if h := cli.InText(steps.HintOf(err)); h != "" {
		fmt.Fprintf(io.ErrOut, "%s %s\n", t.Hint.Render("Hint:"), h)
	}
	var aws *awsapi.Error
	if errors.As(err, &aws) && aws.Kind == awsapi.KindCredentials {
		fmt.Fprintf(io.ErrOut, "%s no AWS account yet? Try hardsail on an emulated one first: `hardsail --demo`.\n", t.Hint.Render("Hint:"))
	}
}
