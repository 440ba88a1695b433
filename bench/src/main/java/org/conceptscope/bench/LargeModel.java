package org.conceptscope.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.SavedModelExport;

/**
 * The benchmark's larger model: a 224x224x3 CNN (3x3 convolutions with 32, 64, 128 filters, each
 * followed by 2x2 average pooling, global average, 3 classes; about 0.5 GMAC per image) with
 * seeded He-initialised weights. Timing does not depend on what the weights have learned, so it
 * is built, not trained, and exported once into a cache folder.
 */
public final class LargeModel {

	public static final CnnArchitecture ARCHITECTURE = new CnnArchitecture(224, 224, 3, new int[] { 32, 64, 128 }, 3, true,
		CnnArchitecture.Head.GLOBAL_AVERAGE, 3);
	public static final long SEED = 20261124L;
	public static final String NAME = "large-224";

	private LargeModel() {}

	/** The SavedModel folder under {@code cache}, exported if it is not there yet. */
	public static Path ensure(Path cache) throws IOException {
		Path dir = cache.resolve(NAME + "-" + SEED);
		if (Files.isRegularFile(dir.resolve("saved_model.pb")) && Files.isRegularFile(dir.resolve(ModelConfig.FILE_NAME))) {
			return dir;
		}
		Map<String, FloatTensor> weights = CnnTrainer.initialWeights(ARCHITECTURE, SEED);
		ModelConfig config = new ModelConfig();
		config.name = NAME;
		config.description = "Benchmark model: 224x224x3 CNN, filters 32/64/128, seeded random weights (not trained).";
		config.classes = List.of("class A", "class B", "class C");
		config.normalization = "none";
		config.metadata.put("seed", SEED);
		SavedModelExport.export(ARCHITECTURE, weights, config, dir);
		return dir;
	}
}
