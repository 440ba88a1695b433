package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Discovery per class writes nothing until every class is computed: a run cancelled while the
 * holistic maps of its second class are computed (after the first class's are done) leaves save_dir
 * absent, as the status line "cancelled; nothing was written" says; the same run to its end writes
 * every class's folder and classes.csv; and a rerun whose last file cannot be written keeps every
 * file of the first run as it was (the class folders are one set of files).
 */
class PerClassNothingWrittenTest {

	@TempDir
	Path work;

	@Test
	void aRunCancelledInItsSecondClassWritesNothing() throws Exception {
		Path data = work.resolve("data");
		LabelledPatchFolders.ihcFiles(data, 6);
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = TestFiles.testImages().resolve("models/ihc-stain");
		s.folder = data;
		s.layer = "conv2/relu";
		s.concepts = 3;
		s.designs = 4;
		s.holistic = true;
		s.perClass = true;
		Path cancelled = work.resolve("cancelled");
		s.saveDir = cancelled;
		List<String> seen = new ArrayList<>();
		int[] mapsDone = new int[1];
		Progress cancelInSecondClassMaps = (done, total, message) -> {
			seen.add(message);
			if (message.equals("concept attribution maps") && done == total) mapsDone[0]++;
			// the first class's maps are done: stop at the second class's first maps report
			return !(message.equals("concept attribution maps") && mapsDone[0] == 1 && done == 1);
		};
		assertThrows(CancellationException.class, () -> ConceptDiscoveryRun.perClass(s, cancelInSecondClassMaps));
		assertEquals(1, mapsDone[0], "cancelled in the second class, after the first class's maps: " + seen);
		assertFalse(Files.exists(cancelled), "nothing written: " + (Files.exists(cancelled) ? TestFiles.names(cancelled) : ""));

		s.saveDir = work.resolve("whole");
		ConceptDiscoveryRun.PerClass r = ConceptDiscoveryRun.perClass(s, Progress.NONE);
		assertTrue(r.results().size() >= 2, "two classes or more have images: " + ConceptDiscoveryRun.summary(r));
		assertTrue(Files.exists(s.saveDir.resolve(ConceptDiscoveryRun.CLASSES)));
		for (ConceptDiscoveryRun.Result c : r.results()) {
			assertTrue(Files.exists(s.saveDir.resolve(AttributionOutputs.fileName(c.bank().className)).resolve("concepts.json")), c.bank().className);
		}

		// The same folder again, with another seed, where the last class's plot cannot be written (a folder has its
		// name): the run fails at its last file, and every file of the first run is kept as it was, none new beside them.
		ConceptDiscoveryRun.Result last = r.results().get(r.results().size() - 1);
		Path blocked = s.saveDir.resolve(AttributionOutputs.fileName(last.bank().className)).resolve(ConceptDiscoveryRun.PLOT);
		Files.delete(blocked);
		Files.createDirectory(blocked);
		Map<Path, byte[]> before = contents(s.saveDir);
		s.seed = s.seed + 1;
		s.overwrite = true; // a rerun into the same folder on purpose
		IOException failure = assertThrows(IOException.class, () -> ConceptDiscoveryRun.perClass(s, Progress.NONE));
		assertTrue(failure.getMessage().contains(blocked.toString()), failure.getMessage());
		Map<Path, byte[]> after = contents(s.saveDir);
		assertEquals(before.keySet(), after.keySet(), "no file added, none removed, no temporary file left");
		for (Path f : before.keySet()) assertArrayEquals(before.get(f), after.get(f), "kept as the first run wrote it: " + f);
	}

	/** Every file under the folder, by path, with its bytes. */
	private static Map<Path, byte[]> contents(Path dir) throws IOException {
		Map<Path, byte[]> files = new TreeMap<>();
		try (Stream<Path> s = Files.walk(dir)) {
			for (Path p : (Iterable<Path>) s::iterator) files.put(dir.relativize(p), Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0]);
		}
		return files;
	}

	/** Class folders that would be one on a file system that ignores case, or once made file names, each get their class index. */
	@Test
	void classFoldersThatWouldCollideGetTheirClassIndex() {
		List<org.conceptscope.concepts.ConceptBank> banks = new ArrayList<>();
		String[] names = { "a/b", "a_b", "Tumour", "tumour", "bone" };
		for (int k = 0; k < names.length; k++) {
			org.conceptscope.concepts.ConceptBank b = new org.conceptscope.concepts.ConceptBank();
			b.className = names[k];
			b.classIndex = k;
			banks.add(b);
		}
		assertEquals(List.of("a_b-0", "a_b-1", "Tumour-2", "tumour-3", "bone"), ConceptDiscoveryRun.classFolders(banks));
		// a suffixed name that is another's own is suffixed again
		assertEquals(List.of("a-1", "a-2-2", "a-2"), AttributionOutputs.distinctFileNames(List.of("a", "a", "a-2"), List.of("1", "2", "3")));
	}
}
