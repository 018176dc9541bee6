# The Lambda package: compiled classes at the root, runtime dependencies in lib/, each jar stored uncompressed.
# Stored jars are measured (bench/run's cold start) about 0.08 s faster to start: the runtime loads about 1,600
# classes from them and no longer inflates each one. The deployment zip compresses their contents once instead, so
# the upload is smaller (10.5 MB, was 15.4 MB); unpacked, the package is about 50 MB of the 250 MB Lambda allows.
# Repacking with the JDK's jar tool leaves every entry as it was, except that it rewrites module-info.class
# descriptors (classpath loading ignores them).
# `sam build` calls the build-<Function> targets (template.yaml: BuildMethod makefile), so that a deploy
# compiles and packages without running the test suite; the tests run with `mvn -B verify`.
ARTIFACTS_DIR ?= target/lambda

.PHONY: package build-MailApiFunction build-MailQueueFunction

package:
	rm -rf target/lib  # copy-dependencies adds to it, and would keep a jar the build no longer depends on
	mvn -B -q -DskipTests package dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory=target/lib
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp -R target/classes/. "$(ARTIFACTS_DIR)/"
	for dependency in target/lib/*.jar; do \
		rm -rf target/unpacked && mkdir target/unpacked && \
		(cd target/unpacked && jar --extract --file "../../$$dependency") && \
		jar --create --no-compress --no-manifest --file "$(ARTIFACTS_DIR)/lib/$${dependency##*/}" \
			-C target/unpacked . || exit 1; \
	done
	rm -rf target/unpacked

build-MailApiFunction build-MailQueueFunction: package
