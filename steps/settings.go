package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Settings are what the user chose for an instance. Zero fields are unset; each step's options
// (steps.Option) read, write, check and default them.
// They are saved beside the journal on apply and are what verify compares against later.
type Settings struct {
	// SSHCIDRs are the sources allowed to reach 22/tcp (IPv4 and IPv6). ["none"] closes 22 except
	// lightsail-connect; empty means "the address the instance sees for this SSH session".
	SSHCIDRs   []string `json:"ssh_cidrs,omitempty"`
	Domain     string   `json:"domain,omitempty"`
	AltDomains []string `json:"alt_domains,omitempty"`
	HTTPSMode  string   `json:"https_mode,omitempty"` // "lb" | "instance"
	Mail       string   `json:"mail,omitempty"`
	RebootTime string   `json:"reboot_time,omitempty"` // HH:MM
	KeepLogs   int      `json:"keep_logs,omitempty"`
	Cron       string   `json:"cron,omitempty"`
	AdminUser  string   `json:"admin_user,omitempty"`
	// ClosePorts are open ports other than 22/80/443 the user asked to close, as "3306/tcp"
	// ("all" closes every such port). Without it they are only reported.
	ClosePorts []string `json:"close_ports,omitempty"`
	// AutoSnapshot asks for Lightsail's automatic daily snapshots add-on.
	AutoSnapshot bool `json:"auto_snapshot,omitempty"`
	// AdminPasswordSaved says the user keeps the first WordPress admin password elsewhere, so its
	// file in the login's home may go.
	AdminPasswordSaved bool `json:"admin_password_saved,omitempty"`
	// StaticIP agrees to attaching a static IP to the instance (its public address changes once).
	StaticIP bool `json:"static_ip,omitempty"`
}

// UsageError is bad input from the user: exit 3, nothing changed.
type UsageError struct {
	Msg  string
	Hint string
}

func (e *UsageError) Error() string { return e.Msg }

// HintText returns the one action that fixes the error.
func (e *UsageError) HintText() string { return e.Hint }

// ParseCIDR accepts a prefix or a bare address (taken as /32 or /128) and returns it normalised.
// It refuses what would be changed on the way to a firewall: host bits, a zone (fe80::1%eth0: the
// zone would be dropped) and an IPv4-mapped IPv6 address (::ffff:192.0.2.1, which is an IPv4
// address in disguise and belongs in the IPv4 list).
func ParseCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "%") {
		return netip.Prefix{}, errors.New("an address with a zone (%…) names a network interface of one machine, not a source on the internet")
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return netip.Prefix{}, errors.New("not an IPv4 or IPv6 address range")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() {
		if p.IsSingleIP() {
			return p, fmt.Errorf("an IPv4-mapped IPv6 address (did you mean %s/32?)", p.Addr().Unmap())
		}
		return p, errors.New("an IPv4-mapped IPv6 range; give IPv4 ranges in IPv4 form (198.51.100.0/24)")
	}
	if p.Masked() != p {
		return p, fmt.Errorf("host bits are set (did you mean %s?)", p.Masked())
	}
	return p, nil
}

// cron field ranges: minute, hour, day of month, month, day of week.
var cronFields = []struct {
	name     string
	min, max int
	names    []string
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 7, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// ValidateCron checks a five-field schedule as cron(8) reads it (numbers, names, ranges, lists, steps).
// Only printable ASCII is accepted: cron compares names byte by byte, so "ſun" (which folds to "sun"
// in Unicode) would make it reject the whole line.
func ValidateCron(expr string) error {
	if i := strings.IndexFunc(expr, func(r rune) bool { return r != ' ' && (r <= ' ' || r > '~') }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(expr[i:])
		return fmt.Errorf("%q (%U) is not a printable ASCII character; cron reads only ASCII", r, r)
	}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return fmt.Errorf("want 5 fields, got %d", len(fields))
	}
	for i, f := range fields {
		spec := cronFields[i]
		for _, part := range strings.Split(f, ",") {
			rng, step, hasStep := strings.Cut(part, "/")
			if hasStep {
				n, err := strconv.Atoi(step)
				if err != nil || n < 1 {
					return fmt.Errorf("%s: bad step %q", spec.name, step)
				}
			}
			if rng == "*" {
				continue
			}
			lo, hi, isRange := strings.Cut(rng, "-")
			a, err := cronValue(lo, spec.min, spec.max, spec.names)
			if err != nil {
				return fmt.Errorf("%s: %w", spec.name, err)
			}
			if isRange {
				b, err := cronValue(hi, spec.min, spec.max, spec.names)
				if err != nil {
					return fmt.Errorf("%s: %w", spec.name, err)
				}
				if b < a {
					return fmt.Errorf("%s: range %q runs backwards", spec.name, rng)
				}
			}
		}
	}
	return nil
}

func cronValue(s string, lo, hi int, names []string) (int, error) {
	for i, n := range names {
		if strings.ToLower(s) == n {
			return i + lo, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not in %d-%d", s, lo, hi)
	}
	return v, nil
}

// LoadSettings reads the saved settings; a missing file is no settings.
func LoadSettings(path string) (Settings, error) {
	var s Settings
	f, err := OpenStateFile(path, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read settings %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return s, fmt.Errorf("read settings %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read settings %s: %w", path, err)
	}
	return s, nil
}

// SaveSettings writes the settings atomically with mode 0600.
func SaveSettings(path string, s Settings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	return writeFileAtomic(path, append(b, '\n'), 0o600)
}

// WriteStateFile replaces path in the state dir with data, atomically (a private temporary file,
// synced, renamed over it), mode 0600.
func WriteStateFile(path string, data []byte) error { return writeFileAtomic(path, data, 0o600) }

func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := PrepareStateDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}
