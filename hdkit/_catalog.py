"""Names and one-line descriptions of the datasets and models that the ``hdkit`` command offers.

Kept free of heavy imports (no numpy): the command's parser is built from them, and
``hdkit --help`` must not wait for numpy, scikit-learn or numba.
"""

DATASETS = {
    "digits": "scikit-learn's 8x8 digits: 1,347 train / 450 test images (bundled with "
    "scikit-learn)",
    "letter": "UCI letter recognition: 16,000 / 4,000 rows of 16 features (shared data: "
    "tabular/letter-recognition.data)",
    "langid": "sentence language identification, 21 languages: 49,560 train / 6,633 dev "
    "sentences (shared data: langid/train.tsv, langid/dev.tsv)",
    "fashion-mnist": "Fashion-MNIST: 60,000 / 10,000 clothing images of 28x28 pixels (Debian "
    "package dataset-fashion-mnist)",
}

MODELS = {
    "hdc": "HDClassifier (with the n-gram encoder on text, the convolution encoder on images)",
    "kernel": "kernel machine: RBF SVM on scaled features (Nystroem on the large sets)",
    "gln": "Gated Linear Network, one online pass (numeric features only)",
}

#: the models of ``hdkit compare --data FILE`` (:data:`hdkit.tabular.MODELS`, same names)
TABLE_MODELS = {
    "hdc": "HDClassifier(): the table as it is (categories as IDs, missing values left out)",
    "gln": "GLNClassifier(): median imputation, one-hot categoricals",
    "kernel": "KernelMachineClassifier(): median imputation, one-hot categoricals",
    "svc": "scikit-learn SVC(): imputation, scaling, one-hot",
    "lr": "scikit-learn LogisticRegression(max_iter=1000): imputation, scaling, one-hot",
    "rf": "scikit-learn RandomForestClassifier(200): imputation, one-hot",
    "hgb": "scikit-learn HistGradientBoostingClassifier(): native missing values and categories",
    "knn": "scikit-learn KNeighborsClassifier(): imputation, scaling, one-hot",
}
#: the models that ``hdkit compare --data FILE`` runs unless ``--models`` says otherwise
TABLE_DEFAULT_MODELS = ("hdc", "gln", "kernel", "svc", "lr", "rf", "hgb")
