# The Lambda package, in one of two layouts (template.yaml's Runtime parameter):
#   package             java21, Lambda's managed runtime: compiled classes at the root, runtime dependencies in lib/.
#   package-jdk25-aot   provided.al2023, self-contained: a JDK 25 made with jlink from JDK25 (the modules jdeps finds
#                       the function and the runtime interface client need), the real runtime interface client in
#                       runtime/, the classes as relaymail.jar, lib/, the bootstrap Lambda starts (runtime/bootstrap),
#                       and an AOT cache (JEP 483, 514) that this JDK made from a training run of the function
#                       (runtime/train.py says what it exercises; no secret, no relay connection). The cache belongs
#                       to the machine's architecture: build on x86_64 for the x86_64 function.
# Every jar is stored uncompressed: the runtime loads its classes from them without inflating each one (measured by
# bench/run's cold start; the figure is in docs/architecture.md, deliberate oddities). The deployment zip compresses
# their contents once instead, so the upload is smaller too. Unpacked, the java21 package stays far below Lambda's
# 250 MB; the jdk25-aot one, with its JDK and cache, is at about 190 MB (docs/operations.md, Building the package).
# Repacking with the JDK's jar tool leaves every entry as it was, except that it rewrites module-info.class
# descriptors (classpath loading ignores them).
# `sam build` calls the build-<Function> targets (template.yaml: BuildMethod makefile), so that a deploy
# compiles and packages without running the test suite; the tests run with `mvn -B verify`. SAM does not tell make
# the template's parameters: `RUNTIME=jdk25-aot sam build --parameter-overrides Runtime=jdk25-aot` builds the
# self-contained layout (docs/operations.md, Deploying).
ARTIFACTS_DIR ?= target/lambda
RUNTIME ?= java21
JDK25 ?= /usr/lib/jvm/temurin-25-jdk-amd64

ifeq ($(filter java21 jdk25-aot,$(RUNTIME)),)
$(error RUNTIME is java21 or jdk25-aot, not $(RUNTIME))
endif

.PHONY: package package-jdk25-aot dependencies build-MailApiFunction build-MailQueueFunction

# store FROM, TO: each jar of FROM into TO, stored uncompressed
define store
	mkdir -p "$(2)"
	for dependency in $(1)/*.jar; do \
		rm -rf target/unpacked && mkdir target/unpacked && \
		(cd target/unpacked && jar --extract --file "$(CURDIR)/$$dependency") && \
		jar --create --no-compress --no-manifest --file "$(2)/$${dependency##*/}" -C target/unpacked . || exit 1; \
	done
	rm -rf target/unpacked
endef

# the compiled classes in target/classes, the runtime dependencies in target/lib
dependencies:
	rm -rf target/lib  # copy-dependencies adds to it, and would keep a jar the build no longer depends on
	mvn -B -q -DskipTests package dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory=target/lib

package: dependencies
	$(call store,target/lib,$(ARTIFACTS_DIR)/lib)
	cp -R target/classes/. "$(ARTIFACTS_DIR)/"

# The runtime interface client brings older copies of jars the function has (aws-lambda-java-core, and the SDK's
# annotations and utils-lite): the function's are kept. launch.args names the class path jar by jar, relative to the
# package, since the AOT cache checks that it is the one it was made with.
package-jdk25-aot: dependencies
	rm -rf target/runtime-client "$(ARTIFACTS_DIR)/jdk"
	mvn -B -q -f runtime/pom.xml dependency:copy-dependencies -DoutputDirectory="$(CURDIR)/target/runtime-client" \
		-DexcludeArtifactIds=aws-lambda-java-core,annotations,utils-lite
	$(call store,target/lib,$(ARTIFACTS_DIR)/lib)
	$(call store,target/runtime-client,$(ARTIFACTS_DIR)/runtime)
	"$(JDK25)/bin/jar" --create --no-compress --file "$(ARTIFACTS_DIR)/relaymail.jar" -C target/classes .
	"$(JDK25)/bin/jlink" --output "$(ARTIFACTS_DIR)/jdk" --strip-debug --no-man-pages --no-header-files \
		--add-modules "$$("$(JDK25)/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
			--class-path 'target/lib/*:target/runtime-client/*' target/classes target/lib/*.jar \
			target/runtime-client/*.jar | tail -n 1)"
	cp runtime/bootstrap "$(ARTIFACTS_DIR)/bootstrap"
	cd "$(ARTIFACTS_DIR)" && printf -- '--enable-native-access=ALL-UNNAMED -cp %s %s\n' \
		"$$(echo runtime/*.jar relaymail.jar lib/*.jar | tr ' ' :)" \
		com.amazonaws.services.lambda.runtime.api.client.AWSLambda >launch.args
	python3 runtime/train.py "$(ARTIFACTS_DIR)" events/api-rest-invoice.json

build-MailApiFunction build-MailQueueFunction: $(if $(filter jdk25-aot,$(RUNTIME)),package-jdk25-aot,package)
