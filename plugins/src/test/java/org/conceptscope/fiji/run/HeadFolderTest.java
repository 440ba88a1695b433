package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Train Interpretable Head saves its head as save_dir/head, replacing a head it saved before, but
 * never a user's own folder of that name: the run is refused before any work, and the folder stays.
 */
class HeadFolderTest {

	@TempDir
	Path dir;

	@Test
	void aUsersFolderNamedHeadIsRefusedAndKept() throws IOException {
		Path save = dir.resolve("results"), head = Files.createDirectories(save.resolve("head"));
		Files.writeString(head.resolve("thesis.docx"), "years of work");
		Path classes = Files.createDirectories(dir.resolve("classes"));
		HeadTrainingSettings s = new HeadTrainingSettings();
		s.model = dir.resolve("model");
		s.folder = classes;
		s.saveDir = save;
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadTrainingRun.run(s, Progress.NONE));
		assertEquals(head + " exists and is not a head saved by ConceptScope (no conceptscope.json naming a head kind); the trained head"
			+ " is saved as save_dir/head, so choose another save_dir or move that folder away: nothing was changed.", e.getMessage());
		assertEquals("years of work", Files.readString(head.resolve("thesis.docx")));

		// a conceptscope.json that names no head kind (e.g. a classifier saved there) is not a head either
		Files.writeString(head.resolve("conceptscope.json"), "{\"classes\": [\"a\", \"b\"], \"metadata\": {\"architecture\": \"conv 8\"}}");
		assertThrows(IllegalArgumentException.class, () -> HeadTrainingRun.checkReplaceable(head));
		Files.writeString(save.resolve("plain-file"), "x");
		assertThrows(IllegalArgumentException.class, () -> HeadTrainingRun.checkReplaceable(save.resolve("plain-file")));
	}

	@Test
	void aHeadSavedByConceptScopeMayBeReplaced() throws IOException {
		Path head = Files.createDirectories(dir.resolve("head"));
		for (String kind : List.of(HeadTrainingSettings.INFODISENT, HeadTrainingSettings.BI_ICE)) {
			Files.writeString(head.resolve("conceptscope.json"), "{\"classes\": [\"a\", \"b\"], \"metadata\": {\"head\": \"" + kind + "\"}}");
			HeadTrainingRun.checkReplaceable(head);
		}
		HeadTrainingRun.checkReplaceable(dir.resolve("not-there"));
	}
}
