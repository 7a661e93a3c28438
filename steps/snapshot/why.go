package snapshot

// Why says why the step matters, in plain sentences taken from the guide "Securing WordPress on
// Lightsail" (the wizard shows it before the step's questions).
func (s *Step) Why() string {
	return "A snapshot is a copy of the whole instance as it is right now. If anything goes wrong later, " +
		"Lightsail can make a new instance from it in a few minutes."
}
