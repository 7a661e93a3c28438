package testhost

import "github.com/hardsail/hardsail/internal/hostmanifest"

// The host's content is internal/hostmanifest's; these names keep the tests' spelling.
const (
	DBMySQL     = hostmanifest.DBMySQL
	DBMariaDB   = hostmanifest.DBMariaDB
	Hostname    = hostmanifest.Hostname
	BitnamiUID  = hostmanifest.BitnamiUID
	BitnamiGID  = hostmanifest.BitnamiGID
	DaemonGID   = hostmanifest.DaemonGID
	MySQLUID    = hostmanifest.MySQLUID
	MySQLGID    = hostmanifest.MySQLGID
	WPConfigPHP = hostmanifest.WPConfigPHP
	Bitnami     = hostmanifest.Bitnami
	Lightsail   = hostmanifest.Lightsail
)

type (
	LogFile = hostmanifest.LogFile
	File    = hostmanifest.File
)

var (
	Now      = hostmanifest.Now
	Logs     = hostmanifest.Logs
	WPConfig = hostmanifest.WPConfig
)

// LogsFor is hostmanifest.LogsFor.
func LogsFor(db string) []LogFile { return hostmanifest.LogsFor(db) }
