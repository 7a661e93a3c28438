package render

import (
	"fmt"

	"github.com/hardsail/hardsail/tui/theme"
)

// Header names what is being checked, and warns about the root user: the first lines of
// `hardsail verify` and of the recap the wizard leaves on the screen.
func Header(t theme.Theme, instance, region, account string, root bool) string {
	h := fmt.Sprintf("%s %s in %s (account %s)\n", t.Title.Render("hardsail:"), instance, region, account)
	if root {
		h += t.Warning.Render(RootWarning) + "\n"
	}
	return h + "\n"
}

// RootWarning is said wherever the identity in use is the account's root user.
const RootWarning = "! you are using the root user; after the iam-admin step, sign in as the administrator user"
