// The ParleyServer module; its types arrive in the next commit of issue #2.
