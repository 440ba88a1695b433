package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A set of files saved by one action: all of them or none, old files kept until the commit. */
class SaveSetTest {

	@TempDir
	Path dir;

	@Test
	void aFailureAtTheThirdFileKeepsTheOldSetAndLeavesNoTemporaryFile() throws IOException {
		Path a = dir.resolve("a.csv"), b = dir.resolve("b.csv"), c = dir.resolve("c.csv");
		write(a, "old a");
		write(b, "old b");
		write(c, "old c");
		IOException failure = assertThrows(IOException.class, () -> SaveSet.all(set -> {
			AtomicWrite.write(a, "new a".getBytes(StandardCharsets.UTF_8));
			AtomicWrite.write(b, "new b".getBytes(StandardCharsets.UTF_8));
			assertEquals("old a", Files.readString(a), "nothing moves before the commit");
			AtomicWrite.write(c, out -> {
				out.write('n');
				throw new IOException("No space left on device");
			});
			return null;
		}));
		assertEquals("No space left on device", failure.getMessage());
		assertEquals(List.of("old a", "old b", "old c"), List.of(Files.readString(a), Files.readString(b), Files.readString(c)));
		assertEquals(List.of("a.csv", "b.csv", "c.csv"), names(dir), "no temporary file is left");
		assertNull(SaveSet.current(), "the set is no longer open");
	}

	@Test
	void aCommittedSetReplacesEveryFileAndRunsItsDeletions() throws IOException {
		Path a = dir.resolve("a.csv"), stale = dir.resolve("stale.png");
		write(a, "old a");
		write(stale, "old curve");
		List<Path> saved = SaveSet.all(set -> {
			AtomicWrite.write(a, "new a".getBytes(StandardCharsets.UTF_8));
			AtomicWrite.write(dir.resolve("b.csv"), "new b".getBytes(StandardCharsets.UTF_8));
			set.deleteAtCommit(stale);
			assertTrue(Files.exists(stale), "deleted only at the commit");
			return List.of(a);
		});
		assertEquals(List.of(a), saved);
		assertEquals("new a", Files.readString(a));
		assertEquals(List.of("a.csv", "b.csv"), names(dir));
	}

	@Test
	void aJoinedSetLeavesTheCommitToTheOuterOne() throws IOException {
		Path inner = dir.resolve("class 1").resolve("concepts.json"), outer = dir.resolve("classes.csv");
		assertThrows(IllegalStateException.class, () -> SaveSet.all(set -> {
			SaveSet.all(joined -> {
				joined.createDirectories(inner.getParent());
				AtomicWrite.write(inner, "{}".getBytes(StandardCharsets.UTF_8));
				return null;
			});
			assertFalse(Files.exists(inner), "the joined set's commit waits for the outer one");
			AtomicWrite.write(outer, "class".getBytes(StandardCharsets.UTF_8));
			throw new IllegalStateException("cancelled at the last class");
		}));
		assertEquals(List.of(), names(dir), "the folder the set created is removed too");

		SaveSet.all(set -> {
			SaveSet.all(joined -> {
				joined.createDirectories(inner.getParent());
				AtomicWrite.write(inner, "{}".getBytes(StandardCharsets.UTF_8));
				return null;
			});
			AtomicWrite.write(outer, "class".getBytes(StandardCharsets.UTF_8));
			return null;
		});
		assertEquals("{}", Files.readString(inner));
		assertEquals("class", Files.readString(outer));
	}

	@Test
	void aFolderThatExistedOrThatSomethingElseWroteIntoStays() throws IOException {
		Path existing = Files.createDirectories(dir.resolve("save dir"));
		Path created = existing.resolve("new");
		assertThrows(IOException.class, () -> SaveSet.all(set -> {
			set.createDirectories(created);
			Files.writeString(created.resolve("user.txt"), "the user's own file, written meanwhile");
			throw new IOException("disk full");
		}));
		assertTrue(Files.exists(created.resolve("user.txt")));
		assertTrue(Files.isDirectory(existing));
	}

	/** A discard that fails hard (an Error) still unbinds the set: the thread's next saves work (a pooled Fiji thread). */
	@Test
	void aFailingDiscardLeavesTheThreadFreeForTheNextSave() throws IOException {
		IOException e = assertThrows(IOException.class, () -> SaveSet.all(set -> {
			set.stage(() -> {}, () -> {
				throw new AssertionError("the discard failed");
			});
			throw new IOException("disk full");
		}));
		assertEquals("the discard failed", e.getSuppressed()[0].getMessage());
		assertNull(SaveSet.current());
		Path a = dir.resolve("a.csv");
		SaveSet.all(set -> {
			AtomicWrite.write(a, "next".getBytes(StandardCharsets.UTF_8));
			return null;
		});
		assertEquals("next", Files.readString(a));
	}

	/** Files the run reads back (natives, the batch runner's parts) go into place at once, inside a set too. */
	@Test
	void writeNowIsNotStaged() throws IOException {
		Path part = dir.resolve("part.bin");
		assertThrows(IllegalStateException.class, () -> SaveSet.all(set -> {
			AtomicWrite.writeNow(part, out -> out.write(7));
			assertEquals(1, Files.size(part), "readable before the commit");
			throw new IllegalStateException("stopped");
		}));
		assertTrue(Files.exists(part), "not a result of the set, so not discarded with it");
	}

	@Test
	void writesOutsideASetGoIntoPlaceAtOnce() throws IOException {
		Path a = dir.resolve("a.csv");
		AtomicWrite.write(a, "now".getBytes(StandardCharsets.UTF_8));
		assertEquals("now", Files.readString(a));
	}

	private static void write(Path p, String text) throws IOException {
		Files.writeString(p, text);
	}

	private static List<String> names(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}
}
