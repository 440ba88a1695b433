package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.EngineEnvironment;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.bioimage.Npy;
import org.conceptscope.tcav.CavBank;
import org.conceptscope.tcav.ConceptActivationVector;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AtomicWrite} and the ops files written through it (concept bank, CAV bank, model card,
 * .npy, unpacked natives): each written file has the permissions of a plainly created file (not
 * the 0600 of {@link Files#createTempFile}), reads back, and a failure part-way leaves the old
 * file as it was and no temporary file.
 */
class AtomicWriteTest {

	@TempDir
	Path dir;

	@Test
	void writesReplacesAndLeavesOnlyTheTarget() throws IOException {
		Path f = dir.resolve("a.txt");
		AtomicWrite.write(f, "old".getBytes(StandardCharsets.UTF_8));
		AtomicWrite.write(f, "new content".getBytes(StandardCharsets.UTF_8));
		assertEquals("new content", Files.readString(f));
		assertEquals(List.of("a.txt"), names(dir));
		assertPlainPermissions(f);
	}

	@Test
	void failureMidWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
		Path f = Files.writeString(dir.resolve("results.json"), "previous");
		IOException e = assertThrows(IOException.class, () -> AtomicWrite.write(f, out -> {
			out.write(new byte[200_000]); // more than the buffer: part of it reached the temporary file
			throw new IOException("disk full (simulated)");
		}));
		assertEquals("disk full (simulated)", e.getMessage());
		assertEquals("previous", Files.readString(f));
		assertEquals(List.of("results.json"), names(dir));
	}

	@Test
	void aFolderAtTheTargetOrAMissingFolderIsRefusedBeforeAnythingIsWritten() throws IOException {
		Path folder = Files.createDirectories(dir.resolve("cavs.json"));
		assertTrue(assertThrows(IOException.class, () -> AtomicWrite.write(folder, new byte[] { 1 })).getMessage().contains("a folder"));
		assertTrue(Files.isDirectory(folder));
		Path missing = dir.resolve("no-such-folder/x.npy");
		assertThrows(NoSuchFileException.class, () -> AtomicWrite.write(missing, new byte[] { 1 }));
		assertFalse(Files.exists(missing.getParent()));
		assertEquals(List.of("cavs.json"), names(dir));
	}

	@Test
	void conceptBankIsReadableLikeOtherOutputsAndAFailedSaveKeepsTheOldOne() throws IOException {
		Path f = dir.resolve("banks/concepts.json");
		ConceptBank b = bank();
		b.save(f);
		assertPlainPermissions(f);
		assertArrayEquals(b.concepts, ConceptBank.load(f).concepts);
		String before = Files.readString(f);
		ConceptBank broken = bank();
		broken.layer = "another";
		broken.examples.add(new AbstractList<ConceptBank.Example>() { // fails after the bank's first fields are written
			@Override
			public ConceptBank.Example get(int i) {
				throw new IllegalStateException("example list broken (simulated)");
			}

			@Override
			public int size() {
				return 1;
			}
		});
		assertThrows(IllegalStateException.class, () -> broken.save(f));
		assertEquals(before, Files.readString(f));
		assertEquals(List.of("concepts.json"), names(f.getParent()));
	}

	@Test
	void cavBankIsReadableLikeOtherOutputsAndAFailedSaveKeepsTheOldOne() throws IOException {
		Path f = dir.resolve("cavs.json");
		ConceptActivationVector good = new ConceptActivationVector("striped", "conv1", new long[] { 1, 2 }, new float[] { 0.6f, -0.8f }, 0.9);
		new CavBank("m", List.of(good)).save(f);
		assertPlainPermissions(f);
		assertArrayEquals(good.direction(), CavBank.load(f).vectors().get(0).direction());
		String before = Files.readString(f);
		ConceptActivationVector nan = new ConceptActivationVector("dotted", "conv1", new long[] { 1, 2 }, new float[] { Float.NaN, 1 }, 0.5);
		// JSON has no NaN: the writer fails on the second CAV, after the first was written
		assertThrows(IllegalArgumentException.class, () -> new CavBank("m", List.of(good, nan)).save(f));
		assertEquals(before, Files.readString(f));
		assertEquals(List.of("cavs.json"), names(dir));
	}

	@Test
	void modelCardIsReadableLikeOtherOutputsAndAFailedWriteKeepsTheOldOne() throws IOException {
		ModelConfig c = ModelConfig.read(dir);
		c.classes = List.of("benign", "tumour");
		c.write(dir);
		Path f = dir.resolve(ModelConfig.FILE_NAME);
		assertPlainPermissions(f);
		assertEquals(List.of("benign", "tumour"), ModelConfig.read(dir).classes);
		String before = Files.readString(f);
		c.metadata = new java.util.LinkedHashMap<>(Map.of("count", 3));
		c.metadata.put("mean", Double.NaN); // not JSON: fails after the classes were written
		assertThrows(IllegalArgumentException.class, () -> c.write(dir));
		assertEquals(before, Files.readString(f));
		assertEquals(List.of(ModelConfig.FILE_NAME), names(dir));
	}

	@Test
	void npyIsReadableLikeOtherOutputsAndAFolderAtItsPlaceIsKept() throws IOException {
		Path f = dir.resolve("test_output.npy");
		FloatTensor t = new FloatTensor(new long[] { 2, 3 }, new float[] { 1, 2, 3, 4, 5, 6 });
		Npy.write(f, t);
		assertPlainPermissions(f);
		assertArrayEquals(t.data(), Npy.read(f).data());
		Path folder = Files.createDirectories(dir.resolve("folder.npy"));
		assertThrows(IOException.class, () -> Npy.write(folder, t));
		assertTrue(Files.isDirectory(folder));
		assertEquals(List.of("folder.npy", "test_output.npy"), names(dir));
	}

	/** Natives unpacked into a cache folder that several users may share are readable as any new file, not owner-only. */
	@Test
	void unpackedNativesHaveThePermissionsOfNewFiles() throws IOException {
		String folder = "org/conceptscope/model/torch/", name = "aten-allowed.txt";
		Path cache = dir.resolve("cache");
		EngineEnvironment.unpack(folder, new String[] { name }, cache, "missing");
		Path f = cache.resolve(name);
		assertPlainPermissions(f);
		try (InputStream in = AtomicWriteTest.class.getClassLoader().getResourceAsStream(folder + name)) {
			assertArrayEquals(in.readAllBytes(), Files.readAllBytes(f));
		}
		assertEquals(List.of(".lock", name), names(cache), "no temporary file left");
	}

	/** A cache folder that cannot be made (a user without a writable home) is one sentence naming the settings that move it. */
	@Test
	void anUnwritableCacheSaysHowToMoveIt() throws IOException {
		Path file = Files.writeString(dir.resolve("home"), "a file, not a folder");
		Path cache = file.resolve(".conceptscope").resolve("natives");
		IllegalStateException e = assertThrows(IllegalStateException.class,
			() -> EngineEnvironment.unpack("org/conceptscope/model/torch/", new String[] { "aten-allowed.txt" }, cache, "missing"));
		assertTrue(e.getMessage().startsWith("Cannot unpack the native libraries into " + cache + " ("), e.getMessage());
		assertTrue(e.getMessage().endsWith("set the system property conceptscope.cache.dir or the environment variable CONCEPTSCOPE_CACHE_DIR"
			+ " to a writable folder."), e.getMessage());
		assertEquals(List.of("home"), names(dir));
	}

	private static ConceptBank bank() {
		ConceptBank b = new ConceptBank();
		b.model = "m";
		b.layer = "conv1";
		b.concepts = new double[][] { { 1, 0, 2 }, { 0, 3, 0.5 } };
		b.importance = new double[] { 0.7, 0.3 };
		return b;
	}

	private void assertPlainPermissions(Path written) throws IOException {
		assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "needs POSIX permissions");
		Path plain = Files.createFile(dir.resolve("plain-" + System.nanoTime()));
		try {
			Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
			assertEquals(expected, Files.getPosixFilePermissions(written), written + ": not the owner-only mode of a temporary file");
		} finally {
			Files.delete(plain);
		}
	}

	private static List<String> names(Path folder) throws IOException {
		try (Stream<Path> s = Files.list(folder)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}
}
