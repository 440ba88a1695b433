package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bioimage.io package (.zip, format 0.5) of the bundled IHC SavedModel given to a command that reads the TensorFlow
 * graph (Sharing Ratio Decomposition), as a user runs it from a macro: refused in one sentence that says how to reach
 * the package's SavedModel, and that way works: the weights unzipped, a conceptscope.json with the classes and the
 * normalisation Model Info shows for the package, SRD runs, and Attribution gives the package's predictions. Before,
 * the sentence offered only Attribution or Concept Discovery. Attribution's srd and eva, which read the graph too, give the
 * same way.
 */
class PackageGraphCommandsMacroTest {

	@TempDir
	Path work;

	@Test
	void aPackageIsRefusedWithTheWayToItsSavedModelAndThatWayRuns() throws Exception {
		Path pkg = FeatureVisualizationPackageRangeTest.pack(work.resolve("ihc-package"), "0.5.3", "  - id: raw\n"
			+ FeatureVisualizationPackageRangeTest.INPUT_AXES_05 + "    data: {type: float32}\n    preprocessing:\n      - id: scale_linear\n"
			+ "        kwargs: {gain: 0.00392156862745098, offset: 0.0}\n");
		Path zip = work.resolve("ihc-package.zip");
		try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os); Stream<Path> s = Files.list(pkg)) {
			for (Path f : s.sorted().toList()) {
				z.putNextEntry(new ZipEntry(f.getFileName().toString()));
				Files.copy(f, z);
				z.closeEntry();
			}
		}
		Path patches = TestFiles.testImages().resolve("images/ihc-heldout-patches.tif");
		String open = "setBatchMode(true);\nopen('" + patches + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("info", new Macro("run('Model Info...', 'model=[" + zip + "]');\n", ""));
		runs.put("srd", new Macro(open + "run('Sharing Ratio Decomposition...', 'model=[" + zip + "] save_dir=[" + work.resolve("srd-zip") + "]');\n", ""));
		runs.put("attribution", new Macro(open + "run('Attribution...', 'model=[" + zip + "] method=saliency save_dir=[" + work.resolve("attr-zip") + "]');\n", ""));
		for (String method : List.of("srd", "eva")) {
			runs.put("attribution " + method, new Macro(open + "run('Attribution...', 'model=[" + zip + "] method=" + method + " save_dir=["
				+ work.resolve("attr-zip-" + method) + "]');\n", ""));
		}
		Map<String, String> logs = MacroRunner.run(runs, work.resolve("first"));
		// Attribution's graph-reading methods give the same way to the package's SavedModel (they used to say only that they need one)
		for (String method : List.of("srd", "eva")) {
			String said = logs.get("attribution " + method);
			assertTrue(said.contains(method.toUpperCase(java.util.Locale.ROOT) + " reads the model's graph: it needs a TensorFlow SavedModel classifier;"
				+ " use another method for this model, or, if its weights are tensorflow_saved_model_bundle, unzip them into a folder, put a"
				+ " conceptscope.json beside saved_model.pb with the \"classes\" and the \"normalization\" that Model Info... shows for the package,"
				+ " and give that folder."), said);
			assertFalse(Files.exists(work.resolve("attr-zip-" + method)), "nothing written for " + method);
		}

		String refused = logs.get("srd");
		assertTrue(refused.contains("is a bioimage.io package: explain it with Attribution or Concept Discovery, or, if its weights are"
			+ " tensorflow_saved_model_bundle, unzip them into a folder, put a conceptscope.json beside saved_model.pb with the \"classes\" and"
			+ " the \"normalization\" that Model Info... shows for the package, and give that folder."), refused);
		assertFalse(Files.exists(work.resolve("srd-zip")), "nothing written");

		// what the sentence says, done as a user does it
		Matcher m = Pattern.compile("Normalisation: (\\S+)").matcher(logs.get("info"));
		assertTrue(m.find(), logs.get("info"));
		Path folder = Files.createDirectories(work.resolve("ihc-savedmodel"));
		try (InputStream in = Files.newInputStream(pkg.resolve("tf-weights.zip")); ZipInputStream z = new ZipInputStream(in)) {
			for (ZipEntry e; (e = z.getNextEntry()) != null;) {
				Path to = folder.resolve(e.getName());
				Files.createDirectories(to.getParent());
				Files.copy(z, to);
			}
		}
		Files.writeString(folder.resolve("conceptscope.json"), "{\"classes\": [\"background\", \"hematoxylin\", \"DAB-positive\"], \"normalization\": \""
			+ m.group(1) + "\"}\n");
		runs.clear();
		runs.put("srd", new Macro(open + "run('Sharing Ratio Decomposition...', 'model=[" + folder + "] save_dir=[" + work.resolve("srd") + "]');\n", ""));
		runs.put("attribution", new Macro(open + "run('Attribution...', 'model=[" + folder + "] method=saliency save_dir=[" + work.resolve("attr") + "]');\n", ""));
		logs = MacroRunner.run(runs, work.resolve("second"));
		assertTrue(Files.isRegularFile(work.resolve("srd/ihc-heldout-patches-srd-results.csv")), logs.get("srd"));

		List<String> viaPackage = Files.readAllLines(work.resolve("attr-zip/ihc-heldout-patches-saliency-results.csv"));
		List<String> viaFolder = Files.readAllLines(work.resolve("attr/ihc-heldout-patches-saliency-results.csv"));
		assertEquals(13, viaPackage.size(), "12 slices and the header");
		assertEquals(viaPackage.size(), viaFolder.size());
		for (int i = 1; i < viaPackage.size(); i++) {
			String[] a = viaPackage.get(i).split(","), b = viaFolder.get(i).split(",");
			assertEquals(a[3], b[3], "the same prediction on slice " + i);
			for (int c = 4; c < 7; c++) assertEquals(Double.parseDouble(a[c]), Double.parseDouble(b[c]), 1e-5, "probability " + c + " of slice " + i);
		}
	}
}
