package org.conceptscope.fiji.write;

import org.conceptscope.fiji.TestFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

	@TempDir
	Path dir;

	@Test
	void writesAndReplaces() throws IOException {
		Path f = dir.resolve("a.txt");
		AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
		AtomicFiles.write(f, "new content".getBytes(StandardCharsets.UTF_8));
		assertEquals("new content", Files.readString(f));
		assertEquals(List.of("a.txt"), TestFiles.names(dir));
	}

	@Test
	void failureMidWriteKeepsTheOldFileAndLeavesNoTemp() throws IOException {
		Path f = dir.resolve("results.csv");
		Files.writeString(f, "previous results");
		IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
			out.write(new byte[100_000]); // more than the buffer: part of it reached the disk
			throw new IOException("disk full (simulated)");
		}));
		assertEquals("disk full (simulated)", e.getMessage());
		assertEquals("previous results", Files.readString(f));
		assertEquals(List.of("results.csv"), TestFiles.names(dir));
	}

	@Test
	void runtimeFailureAlsoLeavesNoTemp() {
		Path f = dir.resolve("new.tif");
		assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
			out.write(1);
			throw new IllegalStateException("bug in a writer");
		}));
		assertEquals(List.of(), TestFiles.names(dir));
	}

	@Test
	void targetThatIsAFolderIsRefusedAndKept() throws IOException {
		Path folder = Files.createDirectories(dir.resolve("RoiSet.zip"));
		Files.writeString(folder.resolve("keep.txt"), "x");
		Path empty = Files.createDirectories(dir.resolve("empty.csv"));
		IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(folder, new byte[] { 1, 2 }));
		assertTrue(e.getMessage().contains("folder"), e.getMessage());
		assertThrows(IOException.class, () -> AtomicFiles.write(empty, new byte[] { 1, 2 }));
		assertTrue(Files.isDirectory(empty), "an empty folder is not replaced by the file either");
		assertEquals(List.of("keep.txt"), TestFiles.names(folder));
		assertEquals(List.of("RoiSet.zip", "empty.csv"), TestFiles.names(dir));
	}

	@Test
	void missingFolderIsReportedAndNothingIsCreated() {
		Path f = dir.resolve("no-such-folder/out.csv");
		NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> AtomicFiles.write(f, new byte[] { 1 }));
		assertTrue(e.getMessage().contains("no-such-folder"), e.getMessage());
		assertFalse(Files.exists(f.getParent()));
		assertEquals(List.of(), TestFiles.names(dir));
	}

	@Test
	void readOnlyFolderFailsWithoutLeftovers() throws IOException {
		Path folder = Files.createDirectories(dir.resolve("locked"));
		assumeTrue(Files.getFileStore(folder).supportsFileAttributeView("posix"), "needs POSIX permissions");
		Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
		try {
			assumeFalse(Files.isWritable(folder), "running as a user who can write anyway (root)");
			assertThrows(IOException.class, () -> AtomicFiles.write(folder.resolve("x.csv"), new byte[] { 1 }));
			assertEquals(List.of(), TestFiles.names(folder));
		} finally {
			Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
	}

	@Test
	void resultHasTheUsualPermissionsOfNewFiles() throws IOException {
		assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "needs POSIX permissions");
		Path plain = Files.createFile(dir.resolve("plain"));
		Path atomic = dir.resolve("atomic");
		AtomicFiles.write(atomic, new byte[] { 1 });
		Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
		assertEquals(expected, Files.getPosixFilePermissions(atomic), "not the 0600 of a temp file");
		assertArrayEquals(new byte[] { 1 }, Files.readAllBytes(atomic));
	}
}
