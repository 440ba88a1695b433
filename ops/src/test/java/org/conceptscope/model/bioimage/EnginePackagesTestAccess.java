package org.conceptscope.model.bioimage;

import org.conceptscope.model.BundledModels;
import org.conceptscope.tensor.FloatTensor;

/** The held-out raw IHC patches stored beside the TorchScript package, for tests outside this package. */
public final class EnginePackagesTestAccess {

	private EnginePackagesTestAccess() {}

	public static FloatTensor npy(java.nio.file.Path file) {
		return Npy.read(file);
	}

	public static FloatTensor raw() {
		return Npy.read(BundledModels.dir("ihc-resnet-torchscript").resolve("saliency_raw.npy"));
	}
}
