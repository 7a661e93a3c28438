package assets

import _ "embed"

// The log-cleanup step's files: the script it installs as /usr/local/sbin/hardsail-logcleanup and
// the template of /etc/cron.d/hardsail-logcleanup.
var (
	//go:embed logcleanup/hardsail-logcleanup
	LogCleanupScript []byte
	//go:embed logcleanup/hardsail-logcleanup.cron.tmpl
	LogCleanupCron string
)
