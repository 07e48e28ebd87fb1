// Package brokertest is the conformance suite every edusphere.Broker passes.
//
// The inmem and redis packages call Run from their tests with a function
// that opens a fresh broker; redis also calls RunShared with a function
// that opens two brokers on one backplane, standing for two processes.
package brokertest
