package steps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// PrepareStateDir makes dir (mode 0700) or tightens an existing one to 0700, and refuses one that
// is not a directory of the user running hardsail: the journal in it holds prior file bodies.
func PrepareStateDir(dir string) error {
	_, statErr := os.Lstat(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir %s: %w", dir, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		// A new state dir must survive a crash along with the journal made in it.
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("state dir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return &UsageError{Msg: fmt.Sprintf("state dir %s is not a directory (a symbolic link?)", dir),
			Hint: "Point HARDSAIL_STATE_DIR at a directory of your own, or remove " + dir + "."}
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return &UsageError{Msg: fmt.Sprintf("state dir %s belongs to user id %d, not to you (%d)", dir, st.Uid, os.Geteuid()),
			Hint: "Run hardsail as the user who owns it, or point HARDSAIL_STATE_DIR at a directory of your own."}
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("make state dir %s private: %w", dir, err)
		}
	}
	return nil
}

// OpenStateFile opens a file in the state dir without following a symbolic link, and makes it 0600
// (an older one may have been created with a laxer mode).
func OpenStateFile(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, &UsageError{Msg: fmt.Sprintf("%s is a symbolic link; hardsail does not follow links in its state dir", path),
			Hint: "Remove the link " + path + " (hardsail makes the file anew)."}
	}
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("make %s private: %w", path, err)
		}
	}
	return f, nil
}

// OpenLog opens (creating) the log file for appending, in a private state dir, without following
// a link, and makes an older, laxer one 0600: the log names instances, files and commands.
func OpenLog(path string) (*os.File, error) {
	if err := PrepareStateDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := OpenStateFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return f, nil
}

// syncDir makes a file created or renamed in dir survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// repairTail cuts a torn last line (a crash or a full disk mid-write) back to the last newline, so
// the next record starts on a line of its own. It reports how many bytes it cut.
func repairTail(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := fi.Size()
	if size == 0 {
		return 0, nil
	}
	buf := make([]byte, 64*1024)
	end := size
	for end > 0 {
		n := int64(len(buf))
		if end < n {
			n = end
		}
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return 0, err
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '\n' {
				keep := end - n + i + 1
				if keep == size {
					return 0, nil
				}
				return size - keep, truncateSync(f, keep)
			}
		}
		end -= n
	}
	return size, truncateSync(f, 0)
}

func truncateSync(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}
