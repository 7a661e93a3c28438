package sshd

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// The shell run on the host, as root. Every piece also works where there is no systemd (a
// container, the test hosts): a timer is then a detached `setsid` shell that sleeps, and a reload
// is SIGHUP to the pid in sshd's PidFile.

// reloadFunc defines reload_sshd: reload, then wait until sshd has re-executed (its listening
// sockets are new), so a login made afterwards is one the new configuration accepted. Both
// `systemctl reload ssh` and SIGHUP return before sshd has read anything.
const reloadFunc = `reload_sshd() {
  pf=$(sshd -T 2>/dev/null | sed -n 's/^pidfile //p')
  pid=$(cat "$pf" 2>/dev/null) || { echo "no sshd pid in ${pf:-its PidFile}" >&2; return 1; }
  socks() { ls -l /proc/"$pid"/fd 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | sort | tr '\n' ' '; }
  before=$(socks)
  if [ -d /run/systemd/system ]; then systemctl reload ssh || return 1; else kill -HUP "$pid" || return 1; fi
  i=0
  while [ $i -lt 100 ]; do
    now=$(socks)
    if [ -n "$now" ] && [ "$now" != "$before" ]; then return 0; fi
    sleep 0.1; i=$((i+1))
  done
  echo "sshd did not restart within 10 s of the reload" >&2; return 1
}
`

// ReloadScript checks the configuration and reloads sshd (exported for the demo host, which
// recognises it byte for byte).
func ReloadScript() string {
	return reloadFunc + "sshd -t && reload_sshd\n"
}

// marker exists while the timer armed with token may still fire; whoever removes it first
// (the timer or the confirmation) decides.
func marker(token string) string { return sshhost.LockDir + "/sshd-confirm." + token }

func unit(token string) string { return "hardsail-sshd-confirm-" + token }

// restoreScript puts the drop-in back as prior describes it (absent: removed).
func restoreScript(prior sshhost.File) string {
	if !prior.Exists {
		return "rm -f " + shellQuote(DropInPath)
	}
	return fmt.Sprintf(`t=%[1]s.hardsail-rollback
printf %%s %[2]s | base64 -d > "$t" && chown %[3]s:%[4]s "$t" && chmod %04[5]o "$t" && mv -f "$t" %[1]s`,
		shellQuote(DropInPath), base64.StdEncoding.EncodeToString(prior.Body),
		shellQuote(prior.Owner), shellQuote(prior.Group), uint32(prior.Mode.Perm()))
}

// rollbackScript is what the timer runs: unless disarmed, put the previous drop-in back and
// reload sshd.
func rollbackScript(token string, prior sshhost.File, after time.Duration) string {
	return reloadFunc + fmt.Sprintf(`rm %[1]s 2>/dev/null || exit 0
%[2]s || exit 1
command -v logger >/dev/null && logger -t hardsail "sshd: no login confirmed the change within %[3]s; put back %[4]s as it was and reloaded sshd"
sshd -t && reload_sshd
`, shellQuote(marker(token)), restoreScript(prior), after, DropInPath)
}

// armScript arms the timer: a transient systemd timer, or a detached shell that sleeps.
func armScript(token string, prior sshhost.File, after time.Duration) string {
	secs := int(after.Round(time.Second) / time.Second)
	rb := rollbackScript(token, prior, after)
	return fmt.Sprintf(`: > %[1]s || exit 1
if [ -d /run/systemd/system ]; then
  systemd-run --quiet --unit=%[2]s --on-active=%[3]ds --timer-property=AccuracySec=1s /bin/sh -c %[4]s
else
  setsid /bin/sh -c %[5]s </dev/null >/dev/null 2>&1 &
fi
`, shellQuote(marker(token)), unit(token), secs, shellQuote(rb), shellQuote(fmt.Sprintf("sleep %d\n", secs)+rb))
}

// disarmExit is disarmScript's exit status when the timer fired first.
const disarmExit = 3

// disarmScript disarms the timer; it fails with disarmExit when the timer already fired.
func disarmScript(token string) string {
	return fmt.Sprintf(`rm %[1]s 2>/dev/null || { echo "the timer already put the previous configuration back" >&2; exit %[3]d; }
if [ -d /run/systemd/system ]; then systemctl stop %[2]s.timer >/dev/null 2>&1; fi
exit 0
`, shellQuote(marker(token)), unit(token), disarmExit)
}

// shellQuote makes s one word of a shell command line.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
