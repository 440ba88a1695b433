package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.image.LabelledFolder;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.run.MegeRecoRun;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.metrics.MegeReco;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folders of class subfolders holding whole images, from macros in ImageJ 1.x as users run them:
 * per-class Concept Discovery, per-class prototypes (Nearest Examples), Train Interpretable Head
 * and MeGe/ReCo on eight 96x96 regions of scikit-image's ihc.png with the 32x32 IHC model, against
 * the same regions cut here by ImageJ's own crop into their 3x3 tiles, one file per tile. Known
 * answers: the whole images give the hand-cut tiles' per-class concepts and prototypes; a held-out
 * image has all of its nine tiles held out, never some; MeGe/ReCo equal the evaluation of the
 * hand-cut tiles with every nine consecutive tiles one image, computed here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClassFolderTilesTest {

	@TempDir
	static Path work;

	private static final int TILE = 32, SIZE = 96, TILES = (SIZE / TILE) * (SIZE / TILE);
	private static final String[] NAMES = { "a", "b", "c", "d" };
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Path whole, tiles;
	private Map<String, String> logs;

	@BeforeAll
	void runTheMacros() throws Exception {
		ImagePlus ihc = IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
		whole = work.resolve("whole");
		tiles = work.resolve("tiles");
		// hematoxylin: four regions along the top; DAB-positive: four along a lower row (the labels are the user's, not the model's)
		Map<String, Integer> rows = Map.of("hematoxylin", 0, "DAB-positive", 288);
		for (Map.Entry<String, Integer> c : rows.entrySet()) {
			for (int i = 0; i < NAMES.length; i++) {
				int x0 = 40 + 110 * i, y0 = c.getValue();
				WholeImageSamplesTest.savePng(WholeImageSamplesTest.crop(ihc, x0, y0, SIZE), whole.resolve(c.getKey()).resolve(NAMES[i] + ".png"));
				// named so that name order is the tiles' row-by-row order
				for (int y = 0; y < SIZE; y += TILE) {
					for (int x = 0; x < SIZE; x += TILE) {
						WholeImageSamplesTest.savePng(WholeImageSamplesTest.crop(ihc, x0 + x, y0 + y, TILE),
							tiles.resolve(c.getKey()).resolve(String.format("%s_y%02d_x%02d.png", NAMES[i], y, x)));
					}
				}
			}
		}
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String input : List.of("whole", "tiles")) {
			Path folder = work.resolve(input);
			runs.put("discovery-" + input, new Macro("setBatchMode(true);\nrun('Concept Discovery...', 'model=[" + model + "] folder=["
				+ folder + "] layer=conv2/relu concepts=3 designs=4 seed=7 per_class=true save_dir=[" + work.resolve("cd-" + input)
				+ "]');\n", ""));
			runs.put("prototypes-" + input, new Macro("setBatchMode(true);\nrun('Nearest Examples...', 'model=[" + model + "] folder=["
				+ folder + "] layer=conv2/relu neighbours=0 prototypes=3 save_dir=[" + work.resolve("pr-" + input) + "]');\n", ""));
		}
		runs.put("head", new Macro("setBatchMode(true);\nrun('Train Interpretable Head...', 'model=[" + model + "] folder=[" + whole
			+ "] head=infodisent steps=20 held_out=0.5 prototypes=2 seed=3 save_dir=[" + work.resolve("head") + "]');\n", ""));
		runs.put("mege", new Macro("setBatchMode(true);\nrun('Evaluate Explanation...', 'model=[" + model + "] metric=mege_reco folder=["
			+ whole + "] methods=saliency,random folds=2 training_steps=20 seed=5 save_dir=[" + work.resolve("mege") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void perClassConceptsOfWholeImagesAreThoseOfTheirTilesCutByHand() throws Exception {
		for (String run : List.of("discovery-whole", "discovery-tiles")) assertFalse(logs.get(run).contains("Error"), run + ": " + logs.get(run));
		assertTrue(logs.get("discovery-whole").contains("ConceptScope Concept Discovery: 'DAB-positive/a.png' (96x96) is larger than the model's input (32x32):"
			+ " its 3x3 tiles of 32x32 without overlap are taken as 9 images (labelled by their position, x=.. y=..); so are the tiles of 3"
			+ " more image(s) larger than the input (36 tiles in all)."), logs.get("discovery-whole"));
		assertFalse(logs.get("discovery-tiles").contains("larger than"), "the hand-cut tiles are the model's size");
		Map<String, String> a = texts(work.resolve("cd-whole")), b = texts(work.resolve("cd-tiles"));
		assertTrue(a.keySet().stream().anyMatch(k -> k.endsWith("concepts.json")), "a bank per class: " + a.keySet());
		assertEquals(b.keySet(), a.keySet());
		for (String file : a.keySet()) assertEquals(b.get(file), a.get(file), file);
	}

	@Test
	void prototypesPerClassOfWholeImagesAreTheirTilesCutByHand() throws Exception {
		List<List<String>> w = Csv.parse(Files.readString(work.resolve("pr-whole/prototypes.csv")));
		List<List<String>> t = Csv.parse(Files.readString(work.resolve("pr-tiles/prototypes.csv")));
		assertEquals(List.of("class", "rank", "example", "objective"), w.get(0));
		assertEquals(t.size(), w.size());
		assertEquals(1 + 2 * 3, w.size(), "three prototypes for each of the two classes");
		for (int r = 1; r < w.size(); r++) {
			List<String> row = w.get(r);
			Matcher m = Pattern.compile("(\\S+/\\w)\\.png x=(\\d+) y=(\\d+)").matcher(row.get(2));
			assertTrue(m.matches(), "a tile named by its image's path in the folder and its position: " + row.get(2));
			assertTrue(row.get(2).startsWith(row.get(0) + "/"), "a prototype of its class's subfolder: " + row);
			String cut = String.format("%s_y%02d_x%02d.png slice 1", m.group(1), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(2)));
			assertEquals(List.of(row.get(0), row.get(1), cut, row.get(3)), t.get(r), "the same tile, the same objective");
		}
	}

	@Test
	void aHeldOutImageHasAllOfItsTilesHeldOut() throws Exception {
		assertTrue(logs.get("head").contains("ConceptScope Train Interpretable Head: 'DAB-positive/a.png' (96x96) is larger than the model's input"),
			logs.get("head"));
		List<List<String>> held = Csv.parse(Files.readString(work.resolve("head/heldout.csv")));
		Map<String, Integer> tilesHeld = new TreeMap<>();
		for (List<String> row : held.subList(1, held.size())) {
			Matcher m = Pattern.compile("(\\S+)/(\\w\\.png) x=\\d+ y=\\d+").matcher(row.get(1));
			assertTrue(m.matches(), row.get(1));
			assertEquals(row.get(2), m.group(1), "the class is the image's subfolder");
			tilesHeld.merge(row.get(1).substring(0, row.get(1).indexOf(" x=")), 1, Integer::sum);
		}
		// round(0.5 * 4 images) = 2 images of each class, each with its 9 tiles
		assertEquals(4, tilesHeld.size(), "held-out images: " + tilesHeld);
		tilesHeld.forEach((image, n) -> assertEquals(TILES, n, image + ": every tile of a held-out image is held out"));
	}

	@Test
	void megeAndRecoOfWholeImagesKeepEachImagesTilesInOneFold() throws Exception {
		assertFalse(logs.get("mege").contains("Error"), logs.get("mege"));
		EvaluationSettings s = new EvaluationSettings();
		s.model = model;
		s.metric = EvaluationSettings.MEGE_RECO;
		s.folder = whole; // the table's file name
		s.methods = "saliency,random";
		s.folds = 2;
		s.trainingSteps = 20;
		s.seed = 5;
		s.saveDir = work.resolve("mege-here");
		try (TensorFlowClassifier m = TensorFlowClassifier.load(model)) {
			LabelledFolder.Data cut = Models.labelledFolder(tiles, m, CommandSpecs.EVALUATE_EXPLANATION);
			int[] sources = new int[cut.labels().length];
			for (int i = 0; i < sources.length; i++) sources[i] = i / TILES;
			List<MegeReco.Result> r = MegeRecoRun.evaluation(MegeReco.architectureFor(m, null), s).evaluate(cut.tensor(), cut.labels(), sources,
				MegeRecoRun.methods(s), Progress.NONE);
			MegeRecoRun.report(s, r);
		}
		// pair counts and fold accuracies exactly; MeGe and ReCo to 1e-5 (the fold models are trained in two JVMs)
		List<List<String>> want = Csv.parse(Files.readString(work.resolve("mege-here/whole-mege_reco.csv")));
		List<List<String>> got = Csv.parse(Files.readString(work.resolve("mege/whole-mege_reco.csv")));
		assertEquals(want.get(0), got.get(0));
		assertEquals(3, got.size(), "saliency and random");
		assertEquals(want.size(), got.size());
		for (int r = 1; r < want.size(); r++) {
			for (int c = 0; c < want.get(0).size(); c++) {
				String column = want.get(0).get(c), w = want.get(r).get(c), g = got.get(r).get(c);
				if (column.equals("mege") || column.equals("reco")) assertEquals(Double.parseDouble(w), Double.parseDouble(g), 1e-5, column);
				else assertEquals(w, g, column + " of " + want.get(r).get(0));
			}
		}
	}

	/** Every CSV and JSON file under a folder, by its relative path. */
	private static Map<String, String> texts(Path folder) throws Exception {
		Map<String, String> out = new TreeMap<>();
		try (Stream<Path> s = Files.walk(folder)) {
			for (Path p : s.filter(f -> f.toString().endsWith(".csv") || f.toString().endsWith(".json")).toList()) {
				out.put(folder.relativize(p).toString(), Files.readString(p));
			}
		}
		return out;
	}
}
