package firewall

// Why says why the step matters, in plain sentences taken from the guide "Securing WordPress on
// Lightsail" (the wizard shows it before the step's questions).
func (s *Step) Why() string {
	return "The Lightsail firewall decides who may connect to the instance's public address, and every open rule" +
		" is a door an attacker can try. Rather than leaving SSH open to the world, allow it only from your " +
		"own address; the browser-based SSH in the Lightsail console stays a way back in."
}
