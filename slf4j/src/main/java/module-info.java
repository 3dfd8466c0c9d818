/** SLF4J sinks for fdcapture. */
module dev.fdcapture.slf4j {
    requires transitive dev.fdcapture;
    requires transitive org.slf4j;

    exports dev.fdcapture.slf4j;
}
