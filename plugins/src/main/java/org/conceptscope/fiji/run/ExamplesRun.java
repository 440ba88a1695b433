package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;
import ij.ImagePlus;
import ij.measure.ResultsTable;

import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.conceptscope.examples.ExampleSearch;
import org.conceptscope.examples.LatentSpace;
import org.conceptscope.examples.NearestExamples;
import org.conceptscope.examples.Prototypes;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.LabelledFolder;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.PrototypeMontage;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.ResultsTables;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Nearest Examples, whichever way it is started: images compared through one layer of the model
 * ({@link LatentSpace}). For each slice of the current image, its nearest training examples with
 * their distances ({@link NearestExamples}); for the training examples, prototypes by MMD-critic
 * ({@link Prototypes}), per class when the folder has one subfolder per class. Montages (one row
 * per slice, one per class) and tables; with a save folder {@code <title>-nearest.tif/.csv} and
 * {@code prototypes.tif/.csv}. The images are only read.
 */
public final class ExamplesRun {

	public static final List<String> NEAREST_HEADER = List.of("case", "rank", "example", "distance");
	public static final List<String> PROTOTYPE_HEADER = List.of("class", "rank", "example", "objective");
	static final String PROTOTYPES_TIF = "prototypes.tif", PROTOTYPES_CSV = "prototypes.csv";

	/** Montage and table (header, rows) of each part; null when that part was not asked for. */
	public record Result(ImagePlus nearest, List<List<String>> nearestRows, ImagePlus prototypes, List<List<String>> prototypeRows,
		List<Path> written) {

		public ResultsTable nearestTable() {
			return ResultsTables.of(NEAREST_HEADER, nearestRows);
		}

		public ResultsTable prototypeTable() {
			return ResultsTables.of(PROTOTYPE_HEADER, prototypeRows);
		}

		public String summary() {
			return (nearest == null ? "" : nearestRows.size() + " nearest example(s)") + (nearest != null && prototypes != null ? ", " : "")
				+ (prototypes == null ? "" : prototypeRows.size() + " prototype(s)");
		}
	}

	/** The montages' least width in pixels (room for a row's label). */
	private static final int MONTAGE_WIDTH = 200;

	private ExamplesRun() {}

	/**
	 * @param image the cases (each slice), needed when neighbours is above 0
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static Result run(ImagePlus image, ExamplesSettings s, Progress progress) throws IOException {
		s.validate();
		if (s.saveDir == null && GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, the command needs " + ExamplesSettings.SAVE_DIR + "=[folder] for its montages"
				+ " and tables: nothing could be shown.");
		}
		if (s.neighbours > 0) AttributionRun.checkImage(image);
		List<String> outputs = new ArrayList<>();
		if (s.neighbours > 0) {
			String base = AttributionOutputs.resultBase(image, "nearest");
			outputs.addAll(List.of(base + ".tif", base + ".csv"));
		}
		if (s.prototypes > 0) outputs.addAll(List.of(PROTOTYPES_TIF, PROTOTYPES_CSV));
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, outputs);
		try (Classifier classifier = Models.open(s.model)) {
			LatentSpace space = new LatentSpace(classifier, s.layer.isBlank() ? org.conceptscope.attribution.GradCam.lastSpatialLayer(classifier)
				: s.layer.trim());
			// each slice is a case, or each tile of a slice larger than the model's input; checked before the training folder is read
			ImagePlus caseImage = s.neighbours > 0 ? ModelSizeInputs.samples(image, classifier, CommandSpecs.NEAREST_EXAMPLES) : null;
			if (caseImage != null) { // one montage row per case: thousands for the tiles of a whole slide, checked before the folder is read
				int cases = org.conceptscope.fiji.image.ImagePlusTensors.batches(caseImage).size();
				PrototypeMontage.checkMemory("The montage of " + cases + " case(s) with their " + s.neighbours + " nearest example(s)", cases,
					s.neighbours + 1, caseImage.getWidth(), caseImage.getHeight(), MONTAGE_WIDTH, "take fewer cases (crop the image to the region"
					+ " to explain, Image > Crop, or take a substack), ask for fewer neighbours, or neighbours=0 for the prototypes alone");
			}
			boolean labelled;
			try (Stream<Path> l = Files.list(s.folder)) {
				labelled = l.anyMatch(p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."));
			}
			ImageSet training;
			FloatTensor trainingTensor;
			int[] labels = null;
			if (labelled) {
				LabelledFolder.Data d = Models.labelledFolder(s.folder, classifier, CommandSpecs.NEAREST_EXAMPLES, progress);
				training = d.images();
				trainingTensor = d.tensor();
				labels = d.labels();
			} else {
				training = ModelSizeInputs.samples(ImageSet.ofFolder(s.folder, progress), classifier, CommandSpecs.NEAREST_EXAMPLES);
				trainingTensor = Models.input(training, classifier);
			}
			FloatTensor cases = s.neighbours > 0 ? Models.input(caseImage, classifier).tensor() : null;
			// the prototypes (training examples only) are chosen in the background while the model projects the cases
			ExampleSearch.Result searched = new ExampleSearch(space, s.neighbours > 0 ? new NearestExamples(s.neighbours) : null,
				s.prototypes > 0 ? new Prototypes(s.prototypes, 0) : null).run(trainingTensor, labels, classifier.numClasses(), cases, progress);
			ImagePlus nearestMontage = null, prototypeMontage = null;
			List<List<String>> nearestRows = new ArrayList<>(), prototypeRows = new ArrayList<>();
			String info = "options=" + s.toMacroOptions() + "\n";
			if (s.neighbours > 0) {
				List<NearestExamples.Neighbours> found = searched.neighbours();
				// one set for the montage: the cases first, then the training examples
				List<ImagePlus> all = new ArrayList<>();
				all.add(caseImage);
				all.addAll(training.images());
				ImageSet both = new ImageSet(all);
				int offset = (int) cases.dim(0);
				// every panel is a whole input, of its own width and height (a 64x32 model's inputs are 64x32 panels)
				List<PrototypeMontage.Row> rows = new ArrayList<>();
				for (int c = 0; c < found.size(); c++) {
					NearestExamples.Neighbours nb = found.get(c);
					List<PrototypeMontage.Crop> crops = new ArrayList<>();
					crops.add(PrototypeMontage.Crop.whole(both, c, 0));
					String caseName = both.describe(c);
					StringBuilder label = new StringBuilder(caseName + " | distances:");
					for (int q = 0; q < nb.indices().length; q++) {
						int j = nb.indices()[q];
						crops.add(PrototypeMontage.Crop.whole(both, offset + j, nb.distances()[q]));
						label.append(' ').append(org.conceptscope.fiji.write.Numbers.label(nb.distances()[q]));
						nearestRows.add(List.of(caseName, Integer.toString(q + 1), training.describe(j), Numbers.number(nb.distances()[q])));
					}
					rows.add(new PrototypeMontage.Row(caseName, label.toString(), crops));
				}
				nearestMontage = PrototypeMontage.build(rows, both, org.conceptscope.fiji.image.ImageTitles.base(image) + "-nearest", info, "distance", MONTAGE_WIDTH);
			}
			if (s.prototypes > 0) {
				List<Prototypes.Selection> selections = searched.prototypes();
				List<PrototypeMontage.Row> rows = new ArrayList<>();
				for (int k = 0; k < selections.size(); k++) {
					Prototypes.Selection sel = selections.get(k);
					if (sel.indices().length == 0) continue;
					String name = labels == null ? "all" : classifier.classNames().get(k);
					List<PrototypeMontage.Crop> crops = new ArrayList<>();
					for (int q = 0; q < sel.indices().length; q++) {
						crops.add(PrototypeMontage.Crop.whole(training, sel.indices()[q], sel.objective()[q]));
						prototypeRows.add(List.of(name, Integer.toString(q + 1), training.describe(sel.indices()[q]), Numbers.number(sel.objective()[q])));
					}
					rows.add(new PrototypeMontage.Row(name, name, crops));
				}
				prototypeMontage = PrototypeMontage.build(rows, training, "prototypes", info, "objective", MONTAGE_WIDTH);
			}
			// the montages take a while after the search's last report: an Esc pressed meanwhile stops here, before any file
			if (!progress.report(1, 1, "montages")) throw new java.util.concurrent.CancellationException("cancelled");
			Result r = new Result(nearestMontage, nearestRows, prototypeMontage, prototypeRows, List.of());
			ij.IJ.log("ConceptScope nearest examples: " + r.summary() + ".");
			return s.saveDir == null ? r : save(r, image, s);
		}
	}

	static Result save(Result r, ImagePlus image, ExamplesSettings s) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(s.saveDir);
			List<Path> written = new ArrayList<>();
			if (r.nearest() != null) {
				String base = AttributionOutputs.resultBase(image, "nearest");
				Path tif = s.saveDir.resolve(base + ".tif"), csv = s.saveDir.resolve(base + ".csv");
				ConceptDiscoveryRun.saveTiff(r.nearest(), tif);
				ResultsCsvWriter.write(NEAREST_HEADER, r.nearestRows(), csv);
				written.add(tif);
				written.add(csv);
			}
			if (r.prototypes() != null) {
				Path tif = s.saveDir.resolve(PROTOTYPES_TIF), csv = s.saveDir.resolve(PROTOTYPES_CSV);
				ConceptDiscoveryRun.saveTiff(r.prototypes(), tif);
				ResultsCsvWriter.write(PROTOTYPE_HEADER, r.prototypeRows(), csv);
				written.add(tif);
				written.add(csv);
			}
			return new Result(r.nearest(), r.nearestRows(), r.prototypes(), r.prototypeRows(), written);
		});
	}
}
