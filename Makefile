# The Lambda package: compiled classes at the root, runtime dependencies in lib/, each jar stored uncompressed.
# Stored jars start faster: the runtime loads its classes from them without inflating each one (measured by
# bench/run's cold start; the figure is in docs/architecture.md, deliberate oddities). The deployment zip compresses
# their contents once instead, so the upload is smaller too; unpacked, the package stays far below Lambda's 250 MB.
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
