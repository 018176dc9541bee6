#!/bin/sh
# Regenerates the test certificates (run from this folder; needs only the JDK's keytool).
#   truststore.p12  the test CA, which the tests' JVM trusts as javax.net.ssl.trustStore
#   relay.p12       localhost / 127.0.0.1, signed by the test CA: the good relay
#   wrong-host.p12  relay.example.net, signed by the test CA: host name mismatch
#   expired.p12     localhost, signed by the test CA, valid only in 2000
#   untrusted.p12   localhost, signed by a CA nobody trusts
# Passwords are "changeit". Validity 100 years, so the fixtures do not rot.
set -eu
P=changeit
rm -f ./*.p12 ./*.pem ./*.csr
ca() {
  keytool -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=$2" -ext bc:c -validity 36500 \
    -keystore "$1.p12" -storepass $P -storetype PKCS12
  keytool -exportcert -alias ca -keystore "$1.p12" -storepass $P -rfc -file "$1.pem"
}
server() { # name ca cn san [extra gencert args]
  name=$1 issuer=$2 cn=$3 san=$4; shift 4
  keytool -genkeypair -alias relay -keyalg EC -groupname secp256r1 -dname "CN=$cn" -validity 36500 \
    -keystore "$name.p12" -storepass $P -storetype PKCS12
  keytool -certreq -alias relay -keystore "$name.p12" -storepass $P -file "$name.csr"
  keytool -gencert -alias ca -keystore "$issuer.p12" -storepass $P -infile "$name.csr" -outfile "$name.pem" \
    -ext "san=$san" -ext eku=serverAuth -rfc "$@"
  keytool -importcert -noprompt -alias ca -file "$issuer.pem" -keystore "$name.p12" -storepass $P
  keytool -importcert -alias relay -file "$name.pem" -keystore "$name.p12" -storepass $P
  keytool -delete -alias ca -keystore "$name.p12" -storepass $P
}
ca test-ca "Relaymail Test CA"
ca rogue-ca "Rogue CA"
keytool -importcert -noprompt -alias test-ca -file test-ca.pem -keystore truststore.p12 -storepass $P -storetype PKCS12
server relay test-ca localhost dns:localhost,ip:127.0.0.1 -validity 36500
server wrong-host test-ca relay.example.net dns:relay.example.net -validity 36500
server expired test-ca localhost dns:localhost,ip:127.0.0.1 -startdate 2000/01/01 -validity 365
server untrusted rogue-ca localhost dns:localhost,ip:127.0.0.1 -validity 36500
rm -f ./*.csr ./*.pem test-ca.p12 rogue-ca.p12
