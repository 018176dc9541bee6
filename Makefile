# The Lambda package: compiled classes at the root, runtime dependencies in lib/.
# `sam build` calls the build-<Function> targets (template.yaml: BuildMethod makefile), so that a deploy
# compiles and packages without running the test suite; the tests run with `mvn -B verify`.
ARTIFACTS_DIR ?= target/lambda

.PHONY: package build-MailApiFunction build-MailQueueFunction

package:
	mvn -B -q -DskipTests package dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory=target/lib
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp -R target/classes/. "$(ARTIFACTS_DIR)/"
	cp target/lib/*.jar "$(ARTIFACTS_DIR)/lib/"

build-MailApiFunction build-MailQueueFunction: package
