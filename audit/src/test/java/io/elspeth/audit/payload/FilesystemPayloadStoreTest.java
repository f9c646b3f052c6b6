package io.elspeth.audit.payload;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemPayloadStoreTest {
  @TempDir Path dir;

  private FilesystemPayloadStore store() {
    return FilesystemPayloadStore.at(dir.resolve("payloads"));
  }

  @Test
  void storesUnderTheSha256AndReadsTheSameBytesBack() {
    byte[] row = CanonicalJson.canonicalBytes(Map.of("id", 1, "name", "alice"));
    FilesystemPayloadStore store = store();

    String key = store.store(row);

    assertThat(key, is(CanonicalJson.stableHash(Map.of("id", 1, "name", "alice"))));
    assertThat(
        Files.isRegularFile(dir.resolve("payloads").resolve(key.substring(0, 2)).resolve(key)),
        is(true));
    assertThat(store.exists(key), is(true));
    assertThat(store.retrieve(key), equalTo(row));
  }

  @Test
  void storingTheSameContentTwiceKeepsOneFileAndLeavesNoTemporaryFiles() throws IOException {
    FilesystemPayloadStore store = store();
    byte[] content = "same".getBytes(StandardCharsets.UTF_8);

    String first = store.store(content);
    String second = store.store(content);

    assertThat(second, is(first));
    try (Stream<Path> files = Files.walk(dir.resolve("payloads"))) {
      assertThat(files.filter(Files::isRegularFile).count(), is(1L));
    }
  }

  @Test
  void aTamperedFileIsRefusedOnReadAndOnRewrite() throws IOException {
    FilesystemPayloadStore store = store();
    byte[] content = "{\"amount\":100}".getBytes(StandardCharsets.UTF_8);
    String key = store.store(content);
    Path file = store.pathOf(key);
    Files.writeString(file, "{\"amount\":900}");

    PayloadIntegrityException read =
        assertThrows(PayloadIntegrityException.class, () -> store.retrieve(key));
    assertThat(read.getMessage(), containsString(key));
    assertThat(read.getMessage(), containsString("corrupt"));
    assertThrows(PayloadIntegrityException.class, () -> store.store(content));
  }

  @Test
  void aMissingPayloadIsNotFoundAndDeleteSaysWhetherThereWasOne() {
    FilesystemPayloadStore store = store();
    String key = store.store("x".getBytes(StandardCharsets.UTF_8));

    assertThat(store.delete(key), is(true));
    assertThat(store.delete(key), is(false));
    assertThat(store.exists(key), is(false));
    PayloadNotFoundException e =
        assertThrows(PayloadNotFoundException.class, () -> store.retrieve(key));
    assertThat(e.key(), is(key));
  }

  @Test
  void keysThatAreNotSha256HexAreRefusedSoNoPathCanEscapeTheStore() throws IOException {
    Files.writeString(dir.resolve("secret.txt"), "do not read");
    FilesystemPayloadStore store = store();
    for (String key :
        new String[] {
          "../secret.txt",
          "../../etc/passwd",
          "ab/../../secret.txt",
          "A".repeat(64),
          "a".repeat(63),
          "/" + "a".repeat(63),
          ""
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> store.retrieve(key), key);
      assertThat(e.getMessage(), containsString("expected 64 lowercase hex characters"));
      assertThrows(IllegalArgumentException.class, () -> store.exists(key), key);
      assertThrows(IllegalArgumentException.class, () -> store.delete(key), key);
    }
    assertThat(Files.readString(dir.resolve("secret.txt")), is("do not read"));
  }

  @Test
  void lookupReportsAvailablePurgedNeverStoredAndStoreNotConfigured() {
    FilesystemPayloadStore store = store();
    String key = store.store("{\"a\":1}".getBytes(StandardCharsets.UTF_8));

    PayloadLookup available = PayloadLookup.find(store, key);
    assertThat(available.status(), is(PayloadLookup.Status.AVAILABLE));
    assertThat(available.text(), is("{\"a\":1}"));
    assertThat(
        PayloadLookup.find(null, key).status(), is(PayloadLookup.Status.STORE_NOT_CONFIGURED));
    assertThat(PayloadLookup.find(store, null).status(), is(PayloadLookup.Status.NEVER_STORED));
    store.delete(key);
    PayloadLookup purged = PayloadLookup.find(store, key);
    assertThat(purged.status(), is(PayloadLookup.Status.PURGED));
    assertThat(purged.text(), is(nullValue()));
    assertThat(purged.describe(), is("purged (ref " + key + ")"));
  }

  @Test
  void deferredStoresAreReadableAndBecomeDurableTogether() throws Exception {
    FilesystemPayloadStore deferred = FilesystemPayloadStore.at(dir.resolve("deferred"));
    String a =
        deferred.storeDeferred("{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String b =
        deferred.storeDeferred("{\"b\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    deferred.syncDeferred();
    org.hamcrest.MatcherAssert.assertThat(
        new String(deferred.retrieve(a), java.nio.charset.StandardCharsets.UTF_8),
        org.hamcrest.Matchers.is("{\"a\":1}"));
    org.hamcrest.MatcherAssert.assertThat(deferred.exists(b), org.hamcrest.Matchers.is(true));
  }

  @Test
  void payloadFilesAreTheOwnersOnlyAsTheTemporaryFilesTheyWereRenamedFrom() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    FilesystemPayloadStore store = store();

    String key = store.storeDeferred("{\"ssn\":\"1\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(store.pathOf(key))),
        is("rw-------"));
  }

  @Test
  void aFolderRemovedAfterAWriteIsCreatedAgainByTheNextWriteOfThatFolder() throws IOException {
    FilesystemPayloadStore store = store();
    String first = store.storeDeferred("first".getBytes(StandardCharsets.UTF_8));
    Path folder = store.pathOf(first).getParent();
    Files.delete(store.pathOf(first));
    Files.delete(folder);

    String again = store.storeDeferred("first".getBytes(StandardCharsets.UTF_8));

    assertThat(again, is(first));
    assertThat(new String(store.retrieve(again), StandardCharsets.UTF_8), is("first"));
  }

  @Test
  void twoStoresOnOneFolderWriteManyPayloadsWithoutTakingEachOthersTemporaryFiles()
      throws Exception {
    FilesystemPayloadStore a = store();
    FilesystemPayloadStore b = store();
    java.util.List<String> keys =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Thread other =
        new Thread(
            () -> {
              for (int i = 0; i < 50; i++) {
                keys.add(b.storeDeferred(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
              }
            });
    other.start();
    for (int i = 0; i < 50; i++) {
      keys.add(a.storeDeferred(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    other.join();

    assertThat(new java.util.HashSet<>(keys).size(), is(50));
    for (String key : keys) {
      assertThat(a.exists(key), is(true));
    }
    try (Stream<Path> files = Files.walk(dir.resolve("payloads"))) {
      assertThat(files.filter(Files::isRegularFile).count(), is(50L));
    }
  }
}
