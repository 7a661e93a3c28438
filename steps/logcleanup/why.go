package logcleanup

// Why says why the step matters, in plain sentences taken from the guide "Securing WordPress on
// Lightsail" (the wizard shows it before the step's questions).
func (s *Step) Why() string {
	return "A busy site, or one popular post, can fill the disk with old logs. A weekly job keeps only the " +
		"newest few rotated logs of Apache, the database and PHP, and deletes the rest."
}
