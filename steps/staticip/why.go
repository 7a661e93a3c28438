package staticip

// Why says why the step matters, in plain sentences (the wizard shows it before the step).
func (s *Step) Why() string {
	return "A Lightsail instance's public address is borrowed: when the instance is stopped and started (a resize, " +
		"a snapshot restore, a maintenance stop), it gets a new one, and your domain then points at an address that is " +
		"no longer yours. A static IP stays with the instance and costs nothing while attached. Attaching it changes the " +
		"address once, so hardsail does it only when you agree, and moves your Lightsail DNS records along with it."
}
