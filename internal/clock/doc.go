// Package clock is the small interface through which adapters read time and
// arm timers (tailscale's tstime.Clock shape), with the real clock beside
// it. The pure packages never use it: they take now as an argument. A
// virtual clock for the simulator implements the same interface.
package clock
