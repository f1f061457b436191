// Package fruit names one fruit.
package fruit

// Name is the fruit of this version.
const Name = "quince"
