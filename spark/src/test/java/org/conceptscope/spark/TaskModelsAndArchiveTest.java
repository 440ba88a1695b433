package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a model reaches the executors (a linked folder too) and how a task thread keeps the models it uses together. */
class TaskModelsAndArchiveTest {

	@TempDir
	Path tmp;

	/** models/current -> the real folder: the archive holds the folder's files under the link's name (it once held nothing). */
	@Test
	void aModelFolderThatIsALinkShipsItsFiles() throws Exception {
		Path link = Files.createSymbolicLink(tmp.resolve("current"), SparkMegeRecoTest.MODEL.toAbsolutePath());
		Path zip = ModelArchive.zip(link, tmp.resolve("current.zip"));
		List<String> names = new ArrayList<>();
		try (ZipFile z = new ZipFile(zip.toFile())) {
			for (ZipEntry e : java.util.Collections.list(z.entries())) names.add(e.getName());
		}
		List<String> want = new ArrayList<>();
		try (Stream<Path> s = Files.walk(model())) {
			for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
				want.add("current/" + model().relativize(f).toString().replace('\\', '/'));
			}
		}
		assertTrue(names.contains("current/saved_model.pb"), names.toString());
		assertEquals(want, names);
	}

	/** MeGe/ReCo with 18 folds uses 19 models in one task: none is closed while the task holds it. */
	@Test
	void aTaskKeepsEveryModelItOpensTogetherBeyondTheUsualCount() throws Exception {
		// 19 distinct paths of one model (links to it), as the shipped fold models are 19 folders
		List<Path> paths = new ArrayList<>();
		for (int i = 0; i < 19; i++) paths.add(Files.createSymbolicLink(tmp.resolve("fold-" + i), model()));
		List<Classifier> models = TaskModels.openTogether(paths);
		FloatTensor x = FloatTensor.zeros(1, 16, 16, 1);
		for (int i = 0; i < models.size(); i++) assertEquals(1, models.get(i).logits(x).dim(0), "model " + i + " is still open");
	}

	private static Path model() {
		return SparkMegeRecoTest.MODEL.toAbsolutePath();
	}
}
