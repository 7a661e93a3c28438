package assets

import "embed"

// LogCleanup holds the log-cleanup step's files: the script it installs as
// /usr/local/sbin/hardsail-logcleanup and the template of /etc/cron.d/hardsail-logcleanup.
//
//go:embed logcleanup/*
var LogCleanup embed.FS
