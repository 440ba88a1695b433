package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;

/**
 * Explain with Head makes the maps of a slice's shown units in one pass (Bi-ICE: one interaction,
 * every round of binding, for all of them) where it once ran {@code unitMaps} unit by unit over
 * the stack. A macro, as a user runs it, explains the IHC stack with a Bi-ICE head (3 rounds, 4
 * concepts) and an InfoDisent head trained and saved here: every map channel of the written image
 * is, to the last bit, the unit-by-unit map ({@code unitMaps} of the whole stack, bilinear to the
 * image's size) of the unit its Info line names, and every row of the table has the contribution,
 * share and target logit computed here from the loaded head.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadExplainMapsMacroTest {

	@org.junit.jupiter.api.io.TempDir
	static Path work;

	private final Path model = TestFiles.testImages().resolve("models").resolve("ihc-stain");
	private final Path stack = TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif");
	private static final String LAYER = "conv3/pool";
	private Map<String, String> logs;

	@BeforeAll
	void trainHeadsAndRunMacros() throws Exception {
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model)) {
			List<String> classes = backbone.classNames();
			FloatTensor x = Models.input(IJ.openImage(stack.toString()), backbone).tensor();
			FloatTensor features = backbone.activations(x, LAYER);
			int[] labels = backbone.logits(x).argmaxRows();
			Map<String, Object> meta = Map.of("backbone_path", model.toAbsolutePath().toString(), "backbone_classes", classes);
			BiIce biIce = BiIce.train(features, LAYER, labels, classes.size(), 4, 4, BiIce.DEFAULT_SPARSITY, 3,
				new TrainingOptions(3, 4, 0.01, 1), Progress.NONE);
			biIce.save(work.resolve("bi_ice"), classes, backbone.name(), meta);
			InfoDisent infoDisent = InfoDisent.train(features, LAYER, labels, classes.size(), new TrainingOptions(3, 8, 0.05, 1), Progress.NONE);
			infoDisent.save(work.resolve("infodisent"), classes, backbone.name(), meta);
		}
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String head : List.of("bi_ice", "infodisent")) {
			runs.put(head, new Macro("setBatchMode(true); open('" + stack + "');\nrun('Explain with Head...', 'model=[" + model + "] head=["
				+ work.resolve(head) + "] top=3 against=true save_dir=[" + work.resolve("explain-" + head) + "]');\nprint('still running');\n",
				""));
		}
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void aBiIceHeadShowsTheMapsAndTableOfTheUnitByUnitPath() throws Exception {
		check("bi_ice");
	}

	@Test
	void anInfoDisentHeadShowsTheMapsAndTableOfTheUnitByUnitPath() throws Exception {
		check("infodisent");
	}

	private void check(String kind) throws Exception {
		String log = logs.get(kind);
		assertTrue(log.contains("still running") && !log.contains("Error"), log);
		Path dir = work.resolve("explain-" + kind);
		String base = "ihc-heldout-patches-" + kind;
		InterpretableHead head = InterpretableHead.load(work.resolve(kind));
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model)) {
			FloatTensor features = backbone.activations(Models.input(IJ.openImage(stack.toString()), backbone).tensor(), LAYER);
			int n = (int) features.dim(0);
			List<String> classes = backbone.classNames();
			double[][] logits = head.logits(features);
			ImagePlus maps = IJ.openImage(dir.resolve(base + ".tif").toString());
			int H = maps.getHeight(), W = maps.getWidth();
			// the shown units from the Info: "channel 4=concept 2: DAB-positive"
			Matcher m = Pattern.compile("channel (\\d+)=(" + head.unitName() + " (\\d+): .*)").matcher(maps.getInfoProperty());
			List<int[]> channels = new ArrayList<>();
			List<String> shown = new ArrayList<>();
			while (m.find()) {
				channels.add(new int[] { Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)) - 1 });
				shown.add(m.group(2));
			}
			assertTrue(channels.size() >= 2, "several " + head.unitName() + "s shown: " + maps.getInfoProperty());
			assertEquals(3 + channels.size(), maps.getNChannels());
			assertEquals(n, maps.getNSlices());
			// each map plane names its slice as ImageJ shows it short ("background #126"), then what it shows (since 2026-12-07)
			ij.ImageStack source = IJ.openImage(stack.toString()).getStack();
			for (int i = 0; i < channels.size(); i++) {
				for (int z = 1; z <= n; z++) {
					assertEquals(source.getShortSliceLabel(z) + " \u00b7 " + shown.get(i),
						maps.getStack().getSliceLabel(maps.getStackIndex(channels.get(i)[0], z, 1)));
				}
			}
			for (int[] cu : channels) {
				float[] expected = Resampling.bilinear(head.unitMaps(features, cu[1]), H, W).data(); // the old path, unit by unit
				boolean nonZero = false;
				for (int z = 1; z <= n; z++) {
					float[] plane = (float[]) maps.getStack().getPixels(maps.getStackIndex(cu[0], z, 1));
					float[] want = java.util.Arrays.copyOfRange(expected, (z - 1) * H * W, z * H * W);
					assertArrayEquals(want, plane, head.unitName() + " " + (cu[1] + 1) + ", slice " + z + ": the unit-by-unit map");
					for (float v : want) nonZero |= v != 0;
				}
				assertTrue(nonZero, "a map that could differ");
			}
			List<List<String>> csv = Csv.parse(Files.readString(dir.resolve(base + "-results.csv")));
			int rows = 0;
			for (List<String> row : csv.subList(1, csv.size())) {
				if (row.get(7).equals("bias")) continue;
				int i = Integer.parseInt(row.get(0)) - 1, u = Integer.parseInt(row.get(7)) - 1, target = classes.indexOf(row.get(5));
				double[] c = head.contributions(features, i, target);
				double positive = java.util.Arrays.stream(c).filter(v -> v > 0).sum();
				assertEquals(c[u], Double.parseDouble(row.get(8)), 1e-6 * Math.max(1, Math.abs(c[u])), "contribution, slice " + (i + 1));
				assertEquals(c[u] / positive, Double.parseDouble(row.get(9)), 1e-6, "share, slice " + (i + 1));
				assertEquals(logits[i][target], Double.parseDouble(row.get(10)), 1e-6 * Math.max(1, Math.abs(logits[i][target])));
				rows++;
			}
			assertTrue(rows >= n, rows + " unit rows");
		}
	}
}
