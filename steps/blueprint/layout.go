// Package blueprint is the one place that knows the WordPress layouts hardsail serves: the blueprint
// packaged by Lightsail (the default for new instances) and the one packaged by Bitnami. It says
// where each keeps WordPress, its logs, its web server and its secrets, and detects from the host's
// own facts which one an instance runs (docs/design.md §5). No other package under steps/ spells a
// path of either layout.
package blueprint

import (
	"path"
	"slices"
)

// Flavour names a layout.
type Flavour string

const (
	// Bitnami is "WordPress packaged by Bitnami": everything under /opt/bitnami, outside apt.
	Bitnami Flavour = "bitnami"
	// Lightsail is "WordPress packaged by Lightsail": Debian's apache2, PHP and MariaDB packages.
	Lightsail Flavour = "lightsail"
)

// LogFamily is one live log whose rotated copies sit beside it.
type LogFamily struct {
	ID  string // apache-access, apache-error, db, php-fpm
	Log string // the live log's file name, never deleted: access_log, access.log
}

// LogGroup is one role's logs: the first of Dirs that exists holds them (the directory moved between
// stacks of one layout, e.g. /opt/bitnami/mysql or /opt/bitnami/mariadb).
type LogGroup struct {
	Dirs     []string
	Families []LogFamily
}

// Layout is one flavour's layout.
type Layout struct {
	Flavour Flavour
	// Name is how the user knows it: the vendor the Lightsail console shows.
	Name string
	// Marker is the directory whose presence identifies the layout on a host.
	Marker   string
	WebRoot  string
	WPConfig string
	Logs     []LogGroup
	// LogRotation says who rotates the logs, for the log-cleanup preview.
	LogRotation string
	// WebService is how the web server is reloaded, ConfigTest how its configuration is checked.
	WebService string
	ConfigTest string
	// Credentials are files holding secrets hardsail never reads into a plan or the journal.
	Credentials []string
	// FirstAdminPassword is the file in the login's home that holds WordPress's first admin
	// password as the image left it.
	FirstAdminPassword string
	// WebGroup is the group the web server's PHP runs as: it must read wp-config.php.
	WebGroup string
	// AptPatchesStack is whether apt's security updates cover Apache, PHP and the database.
	AptPatchesStack bool
	// Components is a file listing the stack's own component versions ("" when apt knows them).
	Components string
	// SSHUser is the login the blueprint ships with (a hint: the API's username is what is used).
	SSHUser string
	// HTTPSSetupUndo is what to run by hand to reverse Lightsail's SetupInstanceHttps here.
	HTTPSSetupUndo string
}

var bitnamiLayout = Layout{
	Flavour:  Bitnami,
	Name:     "WordPress packaged by Bitnami",
	Marker:   "/opt/bitnami",
	WebRoot:  "/opt/bitnami/wordpress",
	WPConfig: "/opt/bitnami/wordpress/wp-config.php",
	Logs: []LogGroup{
		{Dirs: []string{"/opt/bitnami/apache/logs", "/opt/bitnami/apache2/logs"},
			Families: []LogFamily{{"apache-access", "access_log"}, {"apache-error", "error_log"}}},
		{Dirs: []string{"/opt/bitnami/mysql/logs", "/opt/bitnami/mariadb/logs"},
			Families: []LogFamily{{"db", "mysqld.log"}}},
		{Dirs: []string{"/opt/bitnami/php/logs"},
			Families: []LogFamily{{"php-fpm", "php-fpm.log"}}},
	},
	LogRotation:        "Bitnami's logrotate configuration rotates these logs; hardsail only deletes old rotated copies.",
	WebService:         "sudo /opt/bitnami/ctlscript.sh restart apache",
	ConfigTest:         "sudo /opt/bitnami/apache/bin/apachectl -t",
	Credentials:        []string{"/home/bitnami/bitnami_credentials", "/home/bitnami/bitnami_application_password", "/opt/bitnami/wordpress/wp-config.php"},
	FirstAdminPassword: "/home/bitnami/bitnami_application_password",
	WebGroup:           "daemon",
	AptPatchesStack:    false,
	Components:         "/opt/bitnami/.bitnami_components.json",
	SSHUser:            "bitnami",
	HTTPSSetupUndo: "sudo cp /opt/bitnami/wordpress/wp-config.php.backup /opt/bitnami/wordpress/wp-config.php; " +
		"sudo cp /opt/bitnami/apache/conf/vhosts/wordpress-vhost.conf.backup /opt/bitnami/apache/conf/vhosts/wordpress-vhost.conf; " +
		"sudo /opt/bitnami/ctlscript.sh restart",
}

var lightsailLayout = Layout{
	Flavour:  Lightsail,
	Name:     "WordPress packaged by Lightsail",
	Marker:   "/opt/aws/wordpress",
	WebRoot:  "/var/www/html",
	WPConfig: "/var/www/html/wp-config.php",
	Logs: []LogGroup{
		{Dirs: []string{"/var/log/apache2"},
			Families: []LogFamily{{"apache-access", "access.log"}, {"apache-error", "error.log"}}},
		{Dirs: []string{"/var/log/mysql"},
			Families: []LogFamily{{"db", "error.log"}}},
	},
	LogRotation: "Debian's logrotate rotates these logs (/etc/logrotate.d/apache2 and the database's); hardsail " +
		"leaves its configuration as it is and only deletes rotated copies older than the newest it keeps.",
	WebService:         "sudo systemctl reload apache2",
	ConfigTest:         "sudo apache2ctl configtest",
	Credentials:        []string{"/opt/aws/wordpress/credentials.log", "/home/admin/application_credentials", "/var/www/html/wp-config.php"},
	FirstAdminPassword: "/home/admin/application_credentials",
	WebGroup:           "www-data",
	AptPatchesStack:    true,
	SSHUser:            "admin",
	HTTPSSetupUndo: "sudo certbot certificates (to find the certificate); copy back the backups Lightsail's setup kept in " +
		"/opt/aws/wordpress over the files it changed; then sudo apache2ctl configtest && sudo systemctl reload apache2",
}

// Layouts returns every layout hardsail knows, Lightsail's (the default for new instances) first.
func Layouts() []Layout { return []Layout{lightsailLayout, bitnamiLayout} }

// Of returns the layout of f.
func Of(f Flavour) (Layout, bool) {
	for _, l := range Layouts() {
		if l.Flavour == f {
			return l, true
		}
	}
	return Layout{}, false
}

// WPConfigPaths is every layout's wp-config.php: the allow-list of the files the https step edits.
func WPConfigPaths() []string {
	var out []string
	for _, l := range Layouts() {
		out = append(out, l.WPConfig)
	}
	return out
}

// LogDirs is every directory a layout's logs may be in, for a host query.
func LogDirs() []string {
	var out []string
	for _, l := range Layouts() {
		for _, g := range l.Logs {
			for _, d := range g.Dirs {
				if !slices.Contains(out, d) {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// webRootDirs are the directories listed to see where wp-config.php is.
func webRootDirs() []string {
	var out []string
	for _, l := range Layouts() {
		out = append(out, path.Dir(l.WPConfig))
	}
	return out
}
