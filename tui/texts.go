package tui

// whyTexts say, per step, why it matters: two or three plain sentences taken from the guide
// "Securing WordPress on Lightsail: Lock Down Your Server". Every such text lives here.
var whyTexts = map[string]string{
	"snapshot": "A snapshot is a copy of the whole instance as it is right now. " +
		"If anything goes wrong later, Lightsail can make a new instance from it in a few minutes.",
	"iam-admin": "The account's root user can do anything, and AWS strongly recommends against using it for " +
		"everyday tasks, even administrative ones. Create an administrator user in an Administrators group, " +
		"protect it with multi-factor authentication, and lock the root credentials away.",
	"firewall": "The Lightsail firewall decides who may connect to the instance's public address, and every open " +
		"rule is a door an attacker can try. Rather than leaving SSH open to the world, allow it only from your " +
		"own address; the browser-based SSH in the Lightsail console stays a way back in.",
	"https": "Modern browsers expect websites to use HTTPS, especially a site that takes sign-ins or payments. " +
		"A TLS certificate keeps the traffic between a visitor's browser and your site private, and proves the " +
		"site is really yours.",
	"auto-upgrades": "Keeping the operating system patched is your side of the shared responsibility model. " +
		"Unattended upgrades install security and stable updates every day, remove old kernels and unused " +
		"packages, and reboot at a quiet hour when an update needs it.",
	"log-cleanup": "A busy site, or one popular post, can fill the disk with old logs. " +
		"A weekly job keeps only the newest few rotated logs of Apache, the database and PHP, and deletes the rest.",
}

// whyText is the step's explanation, or a plain fallback for a step this file does not know.
func whyText(step, title string) string {
	if t, ok := whyTexts[step]; ok {
		return t
	}
	return title + "."
}

// Screen texts that more than one place prints.
const (
	hardenedText = "Every step is ok: this instance is hardened. Nothing to do; re-run hardsail any time to check again."
	quitGuard    = "A change is being applied. Quit once it has finished? hardsail will not stop it half-way."
	tooSmallText = "terminal too small (need %d×%d)"
)

const minWidth, minHeight = 70, 20
