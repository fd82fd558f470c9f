"""Demo and test PKI servers, not production code: the loopback TSA/CRL/OCSP services of the demo
PKI (:mod:`.services`, also behind ``hocbaso pki serve``) and a CSC signing service
(:mod:`.csc_server`) for the tests and benchmarks. Nothing in production imports them."""
