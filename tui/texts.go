package tui

import "github.com/hardsail/hardsail/steps"

// whyText is the step's own explanation of why it matters, or a plain fallback.
func whyText(st steps.Step, title string) string {
	if e, ok := st.(steps.Explainer); ok {
		return e.Why()
	}
	return title + "."
}

// Screen texts that more than one place prints.
const (
	hardenedText = "Every step is ok: this instance is hardened. Nothing to do; re-run hardsail any time to check again."
	// notHardenedText ends what is said when no step needs anything but one was skipped.
	notHardenedText = "this instance is not fully hardened until they are done."
	leavingText     = "Stopped waiting: what was made stays, journaled; the step stays to do, and the next apply carries on from there."
	quitGuard       = "A change is being applied. Quit once it has finished? hardsail will not stop it half-way."
	tooSmallText    = "terminal too small (need %d×%d)"
)

const minWidth, minHeight = 70, 20
