package sshhost

import (
	"fmt"
	"io/fs"
	"path"
)

// GatherScript is the exact command Gather (full) or ReadFile (not full) sends for q with this nonce,
// so an emulated host (internal/demohost) can recognise the command by rebuilding it, not by guessing.
func GatherScript(q Query, full bool, nonce string) (string, error) {
	return gatherScript(q, full, nonce)
}

// WriteScript is the exact command WriteFileAtomic runs for a body of size bytes with this sha256.
func WriteScript(p string, size int, sum, owner, group string, mode fs.FileMode) string {
	return fmt.Sprintf(writeScriptFormat, shellQuote(path.Dir(p)), shellQuote(p), shellQuote(path.Base(p)), tmpPrefix, size, sum,
		shellQuote(owner+":"+group), uint32(mode.Perm()))
}

// LockScript is the exact command Lock runs; wait is how many seconds flock waits ("12.5").
func LockScript(wait string) string { return fmt.Sprintf(lockScriptFormat, LockDir, LockPath, wait) }

// The body arrives on stdin; if the connection drops, stdin ends early, the size or checksum does
// not match, and the target is never touched. Temp files a killed run left are removed first.
const writeScriptFormat = `set -e
d=%[1]s; t=%[2]s; b=%[3]s
rm -f -- "$d/%[4]s$b."*
tmp=$(mktemp "$d/%[4]s$b.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 1' HUP INT TERM PIPE
head -c %[5]d > "$tmp"
got=$(sha256sum < "$tmp"); got=${got%%%% *}
if [ "$got" != %[6]s ]; then echo "body of $t arrived incomplete; $t was left unchanged" >&2; exit 1; fi
chown -- %[7]s "$tmp"
chmod -- %04[8]o "$tmp"
sync -- "$tmp"
mv -f -- "$tmp" "$t"
trap - EXIT
sync -- "$d"`

// The lock is held by flock's fd 9 in the shell and in cat, which lives until our stdin closes
// (release, or the connection dropping). It lives in a directory only root may enter, checked
// before use: no other user can hold it, swap it for a link, or forge the holder's note. A held
// lock is announced (wait, with the holder's note) before flock waits for it.
const lockScriptFormat = `d=%[1]s; l=%[2]s
mkdir -p -m 0700 -- "$d" 2>/dev/null
s=$(stat -c '%%F %%u %%g %%a' -- "$d" 2>&1)
if [ "$s" != 'directory 0 0 700' ]; then printf 'unsafe\t%%s\n' "$s"; exit 77; fi
exec 9>>"$l"
if ! flock -n 9; then
printf 'wait\t'; base64 -w0 < "$l"; echo
if ! flock -w %[3]s 9; then printf 'busy\t'; base64 -w0 < "$l"; echo; exit 75; fi
fi
printf 'hardsail over SSH from %%s, shell pid %%s, since %%s\n' "${1:-unknown}" $$ "$(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ)" > "$l"
echo locked
cat > /dev/null
: > "$l"`
